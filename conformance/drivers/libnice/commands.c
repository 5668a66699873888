/* commands.c -- the adapter commands of conformance/ADAPTER.md ("Commands"), checked before libnice sees them. */
#include <stdio.h>
#include <string.h>
#include "driver.h"
#include "events.h"

static const char *string_member (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean bool_member (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);
  return node != NULL && JSON_NODE_TYPE (node) == JSON_NODE_VALUE && json_node_get_value_type (node) == G_TYPE_BOOLEAN
      && json_node_get_boolean (node);
}

/* A JSON array of strings as a NULL-terminated vector; FALSE when present but not an array of strings. */
static gboolean string_array_member (JsonObject *o, const char *name, gchar ***out)
{
  JsonNode *node = json_object_get_member (o, name);
  JsonArray *array;
  guint i;

  *out = g_new0 (gchar *, 1);
  if (node == NULL || JSON_NODE_TYPE (node) == JSON_NODE_NULL) return TRUE;
  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY) return FALSE;
  array = json_node_get_array (node);
  g_free (*out);
  *out = g_new0 (gchar *, json_array_get_length (array) + 1);
  for (i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    if (JSON_NODE_TYPE (item) != JSON_NODE_VALUE || json_node_get_value_type (item) != G_TYPE_STRING) return FALSE;
    (*out)[i] = g_strdup (json_node_get_string (item));
  }
  return TRUE;
}

static gboolean parse_turn (JsonObject *command, DriverConfig *c)
{
  JsonNode *node = json_object_get_member (command, "turn");
  JsonObject *turn;
  const char *transport;

  if (node == NULL || JSON_NODE_TYPE (node) == JSON_NODE_NULL) return TRUE;
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT) { emit_error ("configure: 'turn' must be an object"); return FALSE; }
  turn = json_node_get_object (node);
  if (!split_host_port (string_member (turn, "server"), &c->turn_host, &c->turn_port)) {
    emit_error ("configure: turn.server must be \"host:port\"");
    return FALSE;
  }
  c->turn_username = g_strdup (string_member (turn, "username"));
  c->turn_password = g_strdup (string_member (turn, "password"));
  if (c->turn_username == NULL || c->turn_password == NULL) {
    emit_error ("configure: turn.username and turn.password are required");
    return FALSE;
  }
  transport = string_member (turn, "transport");
  if (transport == NULL || strcmp (transport, "udp") == 0) c->turn_tcp = FALSE;
  else if (strcmp (transport, "tcp") == 0) c->turn_tcp = TRUE;
  else emit_unsupported_and_exit ("configure", "turn.transport other than udp/tcp");
  return TRUE;
}

static void configure (Driver *d, JsonObject *command)
{
  DriverConfig c = { 0 };
  const char *role = string_member (command, "role");
  const char *nomination = string_member (command, "nomination");
  const char *policy = string_member (command, "policy");
  const char *stun = string_member (command, "stun");
  const char *transports = string_member (command, "transports");

  if (d->agent != NULL) { emit_error ("configure: already configured"); return; }
  if (role == NULL || (strcmp (role, "controlling") != 0 && strcmp (role, "controlled") != 0)) {
    emit_error ("configure: role must be \"controlling\" or \"controlled\"");
    return;
  }
  c.controlling = strcmp (role, "controlling") == 0;
  if (nomination != NULL && strcmp (nomination, "regular") != 0 && strcmp (nomination, "aggressive") != 0) {
    emit_error ("configure: nomination must be \"regular\" or \"aggressive\"");
    return;
  }
  c.regular_nomination = nomination == NULL || strcmp (nomination, "regular") == 0;
  if (policy != NULL && strcmp (policy, "all") != 0 && strcmp (policy, "relay") != 0) {
    emit_error ("configure: policy must be \"all\" or \"relay\"");
    return;
  }
  c.relay_only = policy != NULL && strcmp (policy, "relay") == 0;
  if (transports == NULL || strcmp (transports, "udp") == 0) c.udp = TRUE;
  else if (strcmp (transports, "tcp") == 0) c.tcp = TRUE;
  else if (strcmp (transports, "udp,tcp") == 0) c.udp = c.tcp = TRUE;
  else {
    emit_error ("configure: transports must be \"udp\", \"tcp\" or \"udp,tcp\"");
    return;
  }
  if (json_object_has_member (command, "components") && json_object_get_int_member (command, "components") != 1)
    emit_unsupported_and_exit ("configure", "this driver runs one component");
  if (!string_array_member (command, "addresses", &c.addresses)) {
    emit_error ("configure: addresses must be an array of strings");
  } else if (stun != NULL && !split_host_port (stun, &c.stun_host, &c.stun_port)) {
    emit_error ("configure: stun must be \"host:port\"");
  } else if (parse_turn (command, &c) && agent_create (d, &c)) {
    fprintf (stderr, "libnice-driver: configured %s, %s nomination, transports %s\n", role,
        c.regular_nomination ? "regular" : "aggressive", transports == NULL ? "udp" : transports);
  }
  g_strfreev (c.addresses);
  g_free (c.stun_host);
  g_free (c.turn_host);
  g_free (c.turn_username);
  g_free (c.turn_password);
}

static void remote_description (Driver *d, JsonObject *command)
{
  const char *ufrag = string_member (command, "ufrag"), *pwd = string_member (command, "pwd");
  gchar **lines = NULL;

  if (ufrag == NULL || pwd == NULL) { emit_error ("remote-description: ufrag and pwd are required"); return; }
  if (bool_member (command, "lite"))
    emit_unsupported_and_exit ("remote-description", "libnice has no API to declare the peer ICE-lite");
  if (!string_array_member (command, "candidates", &lines)) {
    emit_error ("remote-description: candidates must be an array of strings");
  } else if (!agent_set_remote_credentials (d, ufrag, pwd)) {
    emit_error ("remote-description: libnice rejected the credentials");
  } else {
    agent_add_remote_candidates (d, (const char *const *) lines, g_strv_length (lines));
    if (bool_member (command, "end-of-candidates")) agent_end_of_candidates (d);
  }
  g_strfreev (lines);
}

static void send_data (Driver *d, JsonObject *command)
{
  const char *text = string_member (command, "data");
  gsize length = 0;
  guchar *data;

  if (text == NULL) { emit_error ("send: data (base64) is required"); return; }
  data = g_base64_decode (text, &length);
  if (length == 0) emit_error ("send: data is empty or not base64");
  else if (!agent_send (d, data, length)) emit_error ("send: libnice could not send (no selected pair yet?)");
  g_free (data);
}

void command_run (Driver *d, JsonObject *command)
{
  const char *name = string_member (command, "command");

  if (name == NULL) { emit_error ("a command object needs a string member \"command\""); return; }
  if (strcmp (name, "configure") == 0) { configure (d, command); return; }
  if (strcmp (name, "close") == 0) {
    agent_destroy (d);
    emit_state ("closed");
    emit_simple ("closed");
    g_main_loop_quit (d->loop);
    return;
  }
  if (d->agent == NULL) {
    if (strcmp (name, "gather") == 0 || strcmp (name, "remote-description") == 0 || strcmp (name, "remote-candidate") == 0
        || strcmp (name, "end-of-candidates") == 0 || strcmp (name, "send") == 0
        || strcmp (name, "restart") == 0)
      emit_error ("%s: configure first", name);
    else
      emit_error ("unknown command '%s' (known: configure, gather, remote-description, remote-candidate, "
          "end-of-candidates, restart, send, close)", name);
    return;
  }
  if (strcmp (name, "gather") == 0) {
    if (!agent_gather (d)) emit_error ("gather: libnice could not start gathering");
  } else if (strcmp (name, "remote-description") == 0) {
    remote_description (d, command);
  } else if (strcmp (name, "remote-candidate") == 0) {
    const char *line = string_member (command, "line");
    if (line == NULL) emit_error ("remote-candidate: line is required");
    else agent_add_remote_candidates (d, &line, 1);
  } else if (strcmp (name, "end-of-candidates") == 0) {
    agent_end_of_candidates (d);
  } else if (strcmp (name, "restart") == 0) {
    if (!agent_restart (d)) emit_error ("restart: libnice could not restart the stream");
  } else if (strcmp (name, "send") == 0) {
    send_data (d, command);
  } else {
    emit_error ("unknown command '%s' (known: configure, gather, remote-description, remote-candidate, "
        "end-of-candidates, restart, send, close)", name);
  }
}
