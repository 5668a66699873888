/* main.c -- libnice driver for the IceSpec conformance kit (conformance/ADAPTER.md): a GLib main loop that reads
 * one JSON command per line from stdin through a GIOChannel and runs it against a NiceAgent. */
#include <stdio.h>
#include <nice.h>
#include "driver.h"
#include "events.h"

static void run_line (Driver *d, const gchar *line)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, line, -1, &error)) {
    emit_error ("not JSON: %s", error->message);
    g_error_free (error);
  } else if ((root = json_parser_get_root (parser)) == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT) {
    emit_error ("each line must be one JSON object");
  } else {
    command_run (d, json_node_get_object (root));
  }
  g_object_unref (parser);
}

static gboolean on_stdin (GIOChannel *channel, GIOCondition condition, gpointer data)
{
  Driver *d = data;
  for (;;) {
    gchar *line = NULL;
    gsize length = 0;
    GError *error = NULL;
    GIOStatus status = g_io_channel_read_line (channel, &line, &length, NULL, &error);
    if (status == G_IO_STATUS_NORMAL) {
      g_strstrip (line);
      if (line[0] != '\0') run_line (d, line);
      g_free (line);
      if (!g_main_loop_is_running (d->loop)) return G_SOURCE_REMOVE;
      continue;
    }
    if (status == G_IO_STATUS_AGAIN) return G_SOURCE_CONTINUE;
    if (error != NULL) {
      fprintf (stderr, "libnice-driver: stdin: %s\n", error->message);
      g_error_free (error);
      d->exit_code = 1;
    } else {
      fprintf (stderr, "libnice-driver: stdin closed without \"close\"\n");
    }
    g_main_loop_quit (d->loop);
    return G_SOURCE_REMOVE;
  }
}

int main (void)
{
  Driver d = { 0 };
  GIOChannel *input = g_io_channel_unix_new (0);
  JsonBuilder *ready;
  gchar *version;

  d.loop = g_main_loop_new (NULL, FALSE);
  g_io_channel_set_encoding (input, NULL, NULL);
  g_io_channel_set_flags (input, G_IO_FLAG_NONBLOCK, NULL);
  g_io_add_watch (input, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &d);

  ready = emit_begin ("ready");
  json_builder_set_member_name (ready, "name");
  json_builder_add_string_value (ready, "libnice");
  json_builder_set_member_name (ready, "version");
  version = g_strdup_printf ("%d.%d.%d", NICE_VERSION_MAJOR, NICE_VERSION_MINOR, NICE_VERSION_MICRO);
  json_builder_add_string_value (ready, version);
  g_free (version);
  emit_end (ready);

  g_main_loop_run (d.loop);
  agent_destroy (&d);
  g_io_channel_unref (input);
  g_main_loop_unref (d.loop);
  return d.exit_code;
}
