/* connect_pair.c -- libnice's time to connected: two NiceAgents in one process (RFC 8445 full agents, one controlling,
 * one controlled), host candidates on 127.0.0.1 only, one stream with one component, credentials and candidates
 * exchanged in process. A run is timed (CLOCK_MONOTONIC) from nice_agent_gather_candidates on both agents to both
 * components READY. Prints one line per run in ms, then the median.
 * libnice's Ta is its NICE_AGENT_TIMER_TA_DEFAULT, 20 ms (agent/agent-priv.h); it does not announce it.
 * Build: conformance/peers/build-libnice-program.sh connect_pair.c connect_pair OUT_DIR
 * Usage: connect_pair regular|aggressive RUNS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <agent.h>

#define RUN_TIMEOUT_MS 10000

typedef struct {
  NiceAgent *agent;
  guint stream;
  gboolean ready;
} Side;

typedef struct {
  GMainLoop *loop;
  Side sides[2];
  gboolean timed_out;
} Run;

static double now_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static gboolean quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void on_state_changed (NiceAgent *agent, guint stream, guint component, guint state, gpointer data)
{
  Run *run = data;
  int i;
  if (state == NICE_COMPONENT_STATE_FAILED) {
    fprintf (stderr, "connect_pair: a component FAILED\n");
    exit (2);
  }
  if (state != NICE_COMPONENT_STATE_READY) return;
  for (i = 0; i < 2; i++)
    if (run->sides[i].agent == agent) run->sides[i].ready = TRUE;
  /* Signals may fire inside libnice calls; quit from an idle callback so the quit is not lost. */
  if (run->sides[0].ready && run->sides[1].ready) g_idle_add (quit_loop, run->loop);
}

/* Application data is not part of this benchmark; a receive callback makes libnice read the socket. */
static void on_receive (NiceAgent *agent, guint stream, guint component, guint length, gchar *buffer, gpointer data)
{
}

static gboolean on_run_timeout (gpointer data)
{
  Run *run = data;
  run->timed_out = TRUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

static void side_create (Run *run, Side *side, gboolean controlling, gboolean regular)
{
  NiceAddress loopback;
  side->agent = nice_agent_new_full (g_main_loop_get_context (run->loop), NICE_COMPATIBILITY_RFC5245,
      regular ? NICE_AGENT_OPTION_REGULAR_NOMINATION : NICE_AGENT_OPTION_NONE);
  g_object_set (side->agent, "controlling-mode", controlling, "ice-tcp", FALSE, "ice-udp", TRUE, "upnp", FALSE, NULL);
  nice_address_init (&loopback);
  nice_address_set_from_string (&loopback, "127.0.0.1");
  nice_agent_add_local_address (side->agent, &loopback);
  side->stream = nice_agent_add_stream (side->agent, 1);
  nice_agent_attach_recv (side->agent, side->stream, 1, g_main_loop_get_context (run->loop), on_receive, NULL);
  g_signal_connect (side->agent, "component-state-changed", G_CALLBACK (on_state_changed), run);
}

/* Gives `to` the credentials and candidates of `from` (what signalling would carry). */
static void side_tell (Side *from, Side *to)
{
  gchar *ufrag = NULL, *pwd = NULL;
  GSList *candidates = nice_agent_get_local_candidates (from->agent, from->stream, 1);
  nice_agent_get_local_credentials (from->agent, from->stream, &ufrag, &pwd);
  nice_agent_set_remote_credentials (to->agent, to->stream, ufrag, pwd);
  if (nice_agent_set_remote_candidates (to->agent, to->stream, 1, candidates) < 1) {
    fprintf (stderr, "connect_pair: libnice rejected the remote candidates\n");
    exit (2);
  }
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
  g_free (ufrag);
  g_free (pwd);
}

static void side_destroy (Side *side)
{
  nice_agent_remove_stream (side->agent, side->stream);
  g_object_unref (side->agent);
}

static double run_once (gboolean regular)
{
  Run run = { 0 };
  double start, elapsed;
  guint timeout;

  run.loop = g_main_loop_new (NULL, FALSE);
  side_create (&run, &run.sides[0], TRUE, regular);
  side_create (&run, &run.sides[1], FALSE, regular);
  start = now_ms ();
  /* Host-only gathering completes synchronously inside this call (PITFALLS.md). */
  if (!nice_agent_gather_candidates (run.sides[0].agent, run.sides[0].stream)
      || !nice_agent_gather_candidates (run.sides[1].agent, run.sides[1].stream)) {
    fprintf (stderr, "connect_pair: nice_agent_gather_candidates failed\n");
    exit (2);
  }
  side_tell (&run.sides[0], &run.sides[1]);
  side_tell (&run.sides[1], &run.sides[0]);
  timeout = g_timeout_add (RUN_TIMEOUT_MS, on_run_timeout, &run);
  g_main_loop_run (run.loop);
  elapsed = now_ms () - start;
  if (run.timed_out) {
    fprintf (stderr, "connect_pair: not connected within %d ms\n", RUN_TIMEOUT_MS);
    exit (2);
  }
  g_source_remove (timeout);
  side_destroy (&run.sides[0]);
  side_destroy (&run.sides[1]);
  /* Let the sources the destroyed agents left behind run out before the next loop. */
  while (g_main_context_iteration (NULL, FALSE));
  g_main_loop_unref (run.loop);
  return elapsed;
}

static int compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int main (int argc, char **argv)
{
  gboolean regular;
  char *end;
  long runs;
  double *times;
  int i;

  if (argc != 3 || (strcmp (argv[1], "regular") != 0 && strcmp (argv[1], "aggressive") != 0)) {
    fprintf (stderr, "usage: connect_pair regular|aggressive RUNS\n");
    return 2;
  }
  regular = strcmp (argv[1], "regular") == 0;
  runs = strtol (argv[2], &end, 10);
  if (*end != '\0' || runs < 1 || runs > 100000) {
    fprintf (stderr, "connect_pair: RUNS must be a whole number from 1 to 100000, not '%s'\n", argv[2]);
    return 2;
  }
  times = g_new (double, runs);
  for (i = 0; i < runs; i++) {
    times[i] = run_once (regular);
    printf ("run %d: %.3f ms\n", i + 1, times[i]);
  }
  qsort (times, runs, sizeof *times, compare_doubles);
  printf ("median: %.3f ms\n", runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2);
  g_free (times);
  return 0;
}
