/* agent.c -- libnice's NiceAgent behind the adapter commands of conformance/ADAPTER.md (one stream, component 1).
 * RFC 8445 roles and nomination (§7.2.2 regular / aggressive), RFC 8838 trickle, RFC 8839 candidate lines, RFC 8656 relays. */
#include <stdio.h>
#include <string.h>
#include <agent.h>
#include "driver.h"
#include "events.h"

static const char *type_name (NiceCandidateType t)
{
  switch (t) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "unknown";
}

/* RFC 6544 §4.5 tcptype of a TCP candidate; NULL for UDP. */
static const char *tcp_type_name (NiceCandidateTransport t)
{
  switch (t) {
    case NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE: return "active";
    case NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE: return "passive";
    case NICE_CANDIDATE_TRANSPORT_TCP_SO: return "so";
    case NICE_CANDIDATE_TRANSPORT_UDP: return NULL;
  }
  return NULL;
}

static const char *state_name (guint state)
{
  switch (state) {
    case NICE_COMPONENT_STATE_DISCONNECTED: return "disconnected";
    case NICE_COMPONENT_STATE_GATHERING: return NULL;   /* not an ICE connection state */
    case NICE_COMPONENT_STATE_CONNECTING: return "checking";
    case NICE_COMPONENT_STATE_CONNECTED: return "connected";
    case NICE_COMPONENT_STATE_READY: return "completed";
    case NICE_COMPONENT_STATE_FAILED: return "failed";
  }
  return NULL;
}

static void add_address_member (JsonBuilder *b, const char *name, const NiceAddress *address)
{
  gchar text[NICE_ADDRESS_STRING_LEN], *joined;
  nice_address_to_string (address, text);
  joined = nice_address_ip_version (address) == 6
      ? g_strdup_printf ("[%s]:%u", text, nice_address_get_port (address))
      : g_strdup_printf ("%s:%u", text, nice_address_get_port (address));
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, joined);
  g_free (joined);
}

static void on_new_candidate (NiceAgent *agent, NiceCandidate *candidate, gpointer data)
{
  gchar *line = nice_agent_generate_local_candidate_sdp (agent, candidate);
  JsonBuilder *b = emit_begin ("candidate");
  json_builder_set_member_name (b, "line");
  json_builder_add_string_value (b, line);
  emit_end (b);
  g_free (line);
}

static void emit_local_credentials (NiceAgent *agent, guint stream)
{
  gchar *ufrag = NULL, *pwd = NULL;
  JsonBuilder *b = emit_begin ("local-credentials");

  nice_agent_get_local_credentials (agent, stream, &ufrag, &pwd);
  json_builder_set_member_name (b, "ufrag");
  json_builder_add_string_value (b, ufrag);
  json_builder_set_member_name (b, "pwd");
  json_builder_add_string_value (b, pwd);
  emit_end (b);
  g_free (ufrag);
  g_free (pwd);
}

static void on_gathering_done (NiceAgent *agent, guint stream, gpointer data)
{
  gchar *ufrag = NULL, *pwd = NULL;
  GSList *candidates = nice_agent_get_local_candidates (agent, stream, 1), *i;
  JsonBuilder *b = emit_begin ("local-description");

  nice_agent_get_local_credentials (agent, stream, &ufrag, &pwd);
  json_builder_set_member_name (b, "ufrag");
  json_builder_add_string_value (b, ufrag);
  json_builder_set_member_name (b, "pwd");
  json_builder_add_string_value (b, pwd);
  json_builder_set_member_name (b, "candidates");
  json_builder_begin_array (b);
  for (i = candidates; i; i = i->next) {
    gchar *line = nice_agent_generate_local_candidate_sdp (agent, i->data);
    json_builder_add_string_value (b, line);
    g_free (line);
  }
  json_builder_end_array (b);
  emit_end (b);
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
  g_free (ufrag);
  g_free (pwd);
}

static void on_state_changed (NiceAgent *agent, guint stream, guint component, guint state, gpointer data)
{
  const char *name = state_name (state);
  fprintf (stderr, "libnice-driver: component %u state %s\n", component, nice_component_state_to_string (state));
  if (name != NULL) emit_state (name);
}

static void on_selected_pair (NiceAgent *agent, guint stream, guint component,
    NiceCandidate *local, NiceCandidate *remote, gpointer data)
{
  JsonBuilder *b = emit_begin ("selected-pair");
  add_address_member (b, "local", &local->addr);
  add_address_member (b, "remote", &remote->addr);
  json_builder_set_member_name (b, "localType");
  json_builder_add_string_value (b, type_name (local->type));
  json_builder_set_member_name (b, "remoteType");
  json_builder_add_string_value (b, type_name (remote->type));
  json_builder_set_member_name (b, "transport");
  json_builder_add_string_value (b, local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp");
  if (tcp_type_name (local->transport) != NULL) {
    json_builder_set_member_name (b, "localTcpType");
    json_builder_add_string_value (b, tcp_type_name (local->transport));
  }
  if (tcp_type_name (remote->transport) != NULL) {
    json_builder_set_member_name (b, "remoteTcpType");
    json_builder_add_string_value (b, tcp_type_name (remote->transport));
  }
  emit_end (b);
}

static void on_receive (NiceAgent *agent, guint stream, guint component, guint length, gchar *buffer, gpointer data)
{
  gchar *encoded = g_base64_encode ((const guchar *) buffer, length);
  JsonBuilder *b = emit_begin ("received");
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, encoded);
  emit_end (b);
  g_free (encoded);
}

gboolean agent_create (Driver *d, const DriverConfig *config)
{
  /* RFC 7675 consent freshness on the selected pair, as WebRTC stacks run libnice. */
  NiceAgentOption options = NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_CONSENT_FRESHNESS;
  guint i;

  if (config->regular_nomination) options |= NICE_AGENT_OPTION_REGULAR_NOMINATION;
  d->agent = nice_agent_new_full (g_main_loop_get_context (d->loop), NICE_COMPATIBILITY_RFC5245, options);
  g_object_set (d->agent, "controlling-mode", config->controlling, "ice-tcp", config->tcp, "ice-udp", config->udp,
      "upnp", FALSE, "force-relay", config->relay_only, NULL);
  if (config->stun_host != NULL)
    g_object_set (d->agent, "stun-server", config->stun_host, "stun-server-port", config->stun_port, NULL);
  for (i = 0; config->addresses != NULL && config->addresses[i] != NULL; i++) {
    NiceAddress address;
    nice_address_init (&address);
    if (!nice_address_set_from_string (&address, config->addresses[i]) || !nice_agent_add_local_address (d->agent, &address)) {
      emit_error ("configure: cannot use local address '%s'", config->addresses[i]);
      return FALSE;
    }
  }
  d->stream = nice_agent_add_stream (d->agent, 1);
  if (config->turn_host != NULL && !nice_agent_set_relay_info (d->agent, d->stream, 1, config->turn_host,
          config->turn_port, config->turn_username, config->turn_password,
          config->turn_tcp ? NICE_RELAY_TYPE_TURN_TCP : NICE_RELAY_TYPE_TURN_UDP)) {
    emit_error ("configure: libnice rejected TURN server %s:%u (it needs an IP address)", config->turn_host, config->turn_port);
    return FALSE;
  }
  g_signal_connect (d->agent, "new-candidate-full", G_CALLBACK (on_new_candidate), d);
  g_signal_connect (d->agent, "candidate-gathering-done", G_CALLBACK (on_gathering_done), d);
  g_signal_connect (d->agent, "component-state-changed", G_CALLBACK (on_state_changed), d);
  g_signal_connect (d->agent, "new-selected-pair-full", G_CALLBACK (on_selected_pair), d);
  nice_agent_attach_recv (d->agent, d->stream, 1, g_main_loop_get_context (d->loop), on_receive, d);
  return TRUE;
}

/* local-credentials first, so a trickling peer can start checks before gathering ends (RFC 8838 §4.1). */
gboolean agent_gather (Driver *d)
{
  emit_local_credentials (d->agent, d->stream);
  return nice_agent_gather_candidates (d->agent, d->stream);
}

/* ICE restart (RFC 8445 §9): nice_agent_restart_stream gives the stream new credentials and forgets the peer's
 * candidates; its local candidates stay. The new generation's credentials and description follow. */
gboolean agent_restart (Driver *d)
{
  if (!nice_agent_restart_stream (d->agent, d->stream)) return FALSE;
  d->restarted = TRUE;
  emit_local_credentials (d->agent, d->stream);
  on_gathering_done (d->agent, d->stream, d);
  return TRUE;
}

/* libnice parses only "a=candidate:..." (RFC 8839 §5.1 attribute form); accept "candidate:..." and the bare value too. */
static NiceCandidate *parse_candidate (Driver *d, const char *line)
{
  gchar *full = g_str_has_prefix (line, "a=candidate:") ? g_strdup (line)
      : g_str_has_prefix (line, "candidate:") ? g_strconcat ("a=", line, NULL)
      : g_strconcat ("a=candidate:", line, NULL);
  NiceCandidate *candidate = nice_agent_parse_remote_candidate_sdp (d->agent, d->stream, g_strstrip (full));
  g_free (full);
  return candidate;
}

gboolean agent_add_remote_candidates (Driver *d, const char *const *lines, guint count)
{
  GSList *list = NULL;
  guint i;
  gboolean ok = TRUE;

  for (i = 0; i < count; i++) {
    NiceCandidate *candidate = parse_candidate (d, lines[i]);
    if (candidate == NULL) {
      emit_error ("libnice cannot parse remote candidate '%s'", lines[i]);
      ok = FALSE;
      continue;
    }
    list = g_slist_append (list, candidate);
  }
  if (list != NULL && nice_agent_set_remote_candidates (d->agent, d->stream, 1, list) < 0) {
    emit_error ("libnice rejected the remote candidates");
    ok = FALSE;
  }
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
  return ok;
}

/* New credentials after the first ones: the peer restarted (RFC 8445 §9); unless this agent restarted first, it restarts too. */
gboolean agent_set_remote_credentials (Driver *d, const char *ufrag, const char *pwd)
{
  gboolean peer_restarted = d->remote_ufrag != NULL && (strcmp (d->remote_ufrag, ufrag) != 0 || strcmp (d->remote_pwd, pwd) != 0);
  if (peer_restarted && !d->restarted && !agent_restart (d)) return FALSE;
  d->restarted = FALSE;
  g_free (d->remote_ufrag);
  g_free (d->remote_pwd);
  d->remote_ufrag = g_strdup (ufrag);
  d->remote_pwd = g_strdup (pwd);
  return nice_agent_set_remote_credentials (d->agent, d->stream, ufrag, pwd);
}

void agent_end_of_candidates (Driver *d)
{
  nice_agent_peer_candidate_gathering_done (d->agent, d->stream);
}

gboolean agent_send (Driver *d, const guchar *data, gsize length)
{
  return nice_agent_send (d->agent, d->stream, 1, length, (const gchar *) data) == (gint) length;
}

void agent_destroy (Driver *d)
{
  if (d->agent == NULL) return;
  nice_agent_attach_recv (d->agent, d->stream, 1, g_main_loop_get_context (d->loop), NULL, NULL);
  nice_agent_remove_stream (d->agent, d->stream);
  g_object_unref (d->agent);
  d->agent = NULL;
  g_clear_pointer (&d->remote_ufrag, g_free);
  g_clear_pointer (&d->remote_pwd, g_free);
}
