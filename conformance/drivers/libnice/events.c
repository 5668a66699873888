/* events.c -- writing adapter events (conformance/ADAPTER.md "Events") as JSON lines on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"

JsonBuilder *emit_begin (const char *event)
{
  JsonBuilder *builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  return builder;
}

void emit_end (JsonBuilder *builder)
{
  JsonGenerator *generator = json_generator_new ();
  JsonNode *root;
  gchar *text;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
  g_free (text);
  json_node_unref (root);
  g_object_unref (generator);
  g_object_unref (builder);
}

void emit_simple (const char *event)
{
  emit_end (emit_begin (event));
}

void emit_state (const char *state)
{
  JsonBuilder *b = emit_begin ("state");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state);
  emit_end (b);
}

void emit_error (const char *format, ...)
{
  va_list args;
  gchar *message;
  JsonBuilder *b;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "libnice-driver: error: %s\n", message);
  b = emit_begin ("error");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  emit_end (b);
  g_free (message);
}

void emit_unsupported_and_exit (const char *command, const char *reason)
{
  JsonBuilder *b = emit_begin ("unsupported");
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, command);
  emit_end (b);
  fprintf (stderr, "libnice-driver: unsupported %s: %s\n", command, reason);
  exit (127);
}

gboolean split_host_port (const char *text, char **host, guint *port)
{
  const char *colon;
  char *end;
  long value;

  if (text == NULL) return FALSE;
  if (text[0] == '[') {
    const char *close = strchr (text, ']');
    if (close == NULL || close[1] != ':') return FALSE;
    *host = g_strndup (text + 1, close - text - 1);
    colon = close + 1;
  } else {
    colon = strrchr (text, ':');
    if (colon == NULL || colon == text) return FALSE;
    *host = g_strndup (text, colon - text);
  }
  value = strtol (colon + 1, &end, 10);
  if (*end != '\0' || value <= 0 || value > 65535) {
    g_free (*host);
    *host = NULL;
    return FALSE;
  }
  *port = (guint) value;
  return TRUE;
}
