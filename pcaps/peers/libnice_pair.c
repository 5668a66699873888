/*
 * libnice_pair -- two libnice 0.1.21 agents (NICE_COMPATIBILITY_RFC5245) in one process connect over 127.0.0.1 with
 * fixed credentials, so that a capture of their checks can be verified and analysed:
 *   left  agent: ufrag "LnL1", password "LeftLibnicePassword0001"   (controlling)
 *   right agent: ufrag "LnR2", password "RightLibnicePassword002"   (controlled unless "conflict")
 * Usage: libnice_pair aggressive|regular|conflict|tcp SECONDS BASEPORT   (left uses BASEPORT..+4, right BASEPORT+5..+9)
 *   aggressive  libnice's default nomination (USE-CANDIDATE on every check of the controlling agent)
 *   regular     NICE_AGENT_OPTION_REGULAR_NOMINATION
 *   conflict    both agents start controlling: RFC 8445 §7.3.1.1 role conflict, resolved with a 487 or a role switch
 *   tcp         aggressive, ICE-TCP only (RFC 6544: libnice's "ice-tcp" on, "ice-udp" off): checks and data framed
 *               with RFC 4571's 16-bit length over TCP connections from active to passive candidates
 * Each agent sends 3 datagrams once its component is READY; the program runs SECONDS in total (consent freshness,
 * RFC 7675, is on: checks every ~5 s when longer than that), then prints the final states and exits 0 when both were READY.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <agent.h>

#define LEFT_UFRAG "LnL1"
#define LEFT_PWD "LeftLibnicePassword0001"
#define RIGHT_UFRAG "LnR2"
#define RIGHT_PWD "RightLibnicePassword002"

typedef struct {
  NiceAgent *agent;
  guint stream;
  const char *name;
  gboolean ready;
  int received;
} Side;

static Side left, right;
static GMainLoop *loop;

static void on_receive (NiceAgent *agent, guint stream, guint component, guint len, gchar *buf, gpointer data)
{
  Side *side = data;
  side->received++;
}

static void on_state (NiceAgent *agent, guint stream, guint component, guint state, gpointer data)
{
  Side *side = data;
  if (state == NICE_COMPONENT_STATE_READY && !side->ready) {
    int i;
    side->ready = TRUE;
    for (i = 0; i < 3; i++) nice_agent_send (agent, stream, 1, 12, "hello-libnice");
  }
}

static gboolean quit (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void setup (Side *side, const char *name, gboolean controlling, NiceAgentOption options, gboolean tcp, guint min_port, guint max_port)
{
  NiceAddress address;
  side->name = name;
  side->agent = nice_agent_new_full (g_main_loop_get_context (loop), NICE_COMPATIBILITY_RFC5245,
                                     options | NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  g_object_set (side->agent, "ice-tcp", tcp, "ice-udp", !tcp, "upnp", FALSE, "controlling-mode", controlling, NULL);
  nice_address_init (&address);
  nice_address_set_from_string (&address, "127.0.0.1");
  nice_agent_add_local_address (side->agent, &address);
  side->stream = nice_agent_add_stream (side->agent, 1);
  nice_agent_set_port_range (side->agent, side->stream, 1, min_port, max_port);
  g_signal_connect (side->agent, "component-state-changed", G_CALLBACK (on_state), side);
  nice_agent_attach_recv (side->agent, side->stream, 1, g_main_loop_get_context (loop), on_receive, side);
}

static void exchange (Side *from, Side *to, const char *ufrag, const char *pwd)
{
  GSList *candidates = nice_agent_get_local_candidates (from->agent, from->stream, 1);
  nice_agent_set_remote_credentials (to->agent, to->stream, ufrag, pwd);
  nice_agent_set_remote_candidates (to->agent, to->stream, 1, candidates);
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
}

int main (int argc, char **argv)
{
  NiceAgentOption options = NICE_AGENT_OPTION_NONE;
  gboolean conflict = FALSE, tcp = FALSE;
  guint base;
  int seconds;

  if (argc != 4) {
    fprintf (stderr, "usage: libnice_pair aggressive|regular|conflict|tcp SECONDS BASEPORT\n");
    return 2;
  }
  if (strcmp (argv[1], "regular") == 0) options = NICE_AGENT_OPTION_REGULAR_NOMINATION;
  else if (strcmp (argv[1], "conflict") == 0) conflict = TRUE;
  else if (strcmp (argv[1], "tcp") == 0) tcp = TRUE;
  else if (strcmp (argv[1], "aggressive") != 0) {
    fprintf (stderr, "libnice_pair: unknown mode '%s'\n", argv[1]);
    return 2;
  }
  seconds = atoi (argv[2]);
  base = (guint) atoi (argv[3]);
  if (seconds <= 0 || base < 1024 || base > 65000) {
    fprintf (stderr, "libnice_pair: SECONDS must be positive and BASEPORT in 1024..65000\n");
    return 2;
  }

  loop = g_main_loop_new (NULL, FALSE);
  setup (&left, "left", TRUE, options, tcp, base, base + 4);
  setup (&right, "right", conflict, options, tcp, base + 5, base + 9);
  nice_agent_set_local_credentials (left.agent, left.stream, LEFT_UFRAG, LEFT_PWD);
  nice_agent_set_local_credentials (right.agent, right.stream, RIGHT_UFRAG, RIGHT_PWD);
  /* Host-only gathering completes synchronously inside nice_agent_gather_candidates(). */
  if (!nice_agent_gather_candidates (left.agent, left.stream) || !nice_agent_gather_candidates (right.agent, right.stream)) {
    fprintf (stderr, "libnice_pair: gathering failed\n");
    return 1;
  }
  exchange (&left, &right, LEFT_UFRAG, LEFT_PWD);
  exchange (&right, &left, RIGHT_UFRAG, RIGHT_PWD);

  g_timeout_add_seconds (seconds, quit, NULL);
  g_main_loop_run (loop);

  printf ("left %s received %d, right %s received %d\n", left.ready ? "READY" : "not ready", left.received,
          right.ready ? "READY" : "not ready", right.received);
  g_object_unref (left.agent);
  g_object_unref (right.agent);
  g_main_loop_unref (loop);
  return left.ready && right.ready ? 0 : 1;
}
