/*
 * sdp_peer -- prints the SDP that libnice (Debian libnice-dev 0.1.21) generates
 * for one stream with N components (argument 1, default 2) after gathering host
 * candidates on loopback only (127.0.0.1, and ::1 with the argument "ipv6"),
 * UDP only unless the argument "tcp" is given (then also RFC 6544 TCP
 * active/passive/so candidates).  Usage: sdp_peer [1|2] [ipv6] [tcp]  Used by IceSpec.Ice.Tests to check our RFC 8839 parser
 * and formatter on real libnice output.
 *
 * Output (stdout):
 *   ## sdp                                   the text of nice_agent_generate_local_sdp()
 *   ...lines...
 *   ## api                                   what libnice's own API reports
 *   ufrag <ufrag>                            nice_agent_get_local_credentials()
 *   pwd <pwd>
 *   candidate <component> <foundation> <transport> <priority> <address> <port> <type> <base-address> <base-port>
 *   ## end
 *
 * Host-only gathering completes synchronously inside nice_agent_gather_candidates(),
 * so no main loop is run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <agent.h>

static const char *type_name (NiceCandidateType t)
{
  switch (t) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "?";
}

static const char *transport_name (NiceCandidateTransport t)
{
  switch (t) {
    case NICE_CANDIDATE_TRANSPORT_UDP: return "UDP";
    case NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE: return "TCP-active";
    case NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE: return "TCP-passive";
    case NICE_CANDIDATE_TRANSPORT_TCP_SO: return "TCP-so";
  }
  return "?";
}

static int add_address (NiceAgent *agent, const char *text)
{
  NiceAddress address;
  nice_address_init (&address);
  if (!nice_address_set_from_string (&address, text)) return 0;
  return nice_agent_add_local_address (agent, &address);
}

int main (int argc, char **argv)
{
  guint components = 2;
  gboolean ipv6 = FALSE, tcp = FALSE;
  NiceAgent *agent;
  guint stream, c;
  int a;
  gchar *sdp, *ufrag = NULL, *pwd = NULL;

  for (a = 1; a < argc; a++) {
    if (strcmp (argv[a], "1") == 0) components = 1;
    else if (strcmp (argv[a], "2") == 0) components = 2;
    else if (strcmp (argv[a], "ipv6") == 0) ipv6 = TRUE;
    else if (strcmp (argv[a], "tcp") == 0) tcp = TRUE;
    else {
      fprintf (stderr, "usage: sdp_peer [1|2] [ipv6] [tcp]\n");
      return 2;
    }
  }
  agent = nice_agent_new_full (NULL, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_NONE);
  g_object_set (agent, "ice-tcp", tcp, "ice-udp", TRUE, "upnp", FALSE, NULL);
  if (!add_address (agent, "127.0.0.1")) {
    fprintf (stderr, "sdp_peer: cannot add 127.0.0.1\n");
    return 1;
  }
  if (ipv6 && !add_address (agent, "::1")) {
    fprintf (stderr, "sdp_peer: cannot add ::1\n");
    return 1;
  }
  stream = nice_agent_add_stream (agent, components);
  nice_agent_set_stream_name (agent, stream, "application");
  if (!nice_agent_gather_candidates (agent, stream)) {
    fprintf (stderr, "sdp_peer: gathering failed\n");
    return 1;
  }

  sdp = nice_agent_generate_local_sdp (agent);
  printf ("## sdp\n%s", sdp);
  if (sdp[0] && sdp[strlen (sdp) - 1] != '\n') printf ("\n");
  g_free (sdp);

  printf ("## api\n");
  nice_agent_get_local_credentials (agent, stream, &ufrag, &pwd);
  printf ("ufrag %s\npwd %s\n", ufrag, pwd);
  g_free (ufrag);
  g_free (pwd);
  for (c = 1; c <= components; c++) {
    GSList *list = nice_agent_get_local_candidates (agent, stream, c), *i;
    for (i = list; i; i = i->next) {
      NiceCandidate *cand = i->data;
      gchar addr[NICE_ADDRESS_STRING_LEN], base[NICE_ADDRESS_STRING_LEN];
      nice_address_to_string (&cand->addr, addr);
      nice_address_to_string (&cand->base_addr, base);
      printf ("candidate %u %s %s %u %s %u %s %s %u\n", cand->component_id, cand->foundation,
          transport_name (cand->transport), cand->priority, addr, nice_address_get_port (&cand->addr),
          type_name (cand->type), base, nice_address_get_port (&cand->base_addr));
    }
    g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
  }
  printf ("## end\n");
  g_object_unref (agent);
  return 0;
}
