/* events.h -- the driver's side of conformance/ADAPTER.md: one JSON object per line on stdout. */
#ifndef ICESPEC_LIBNICE_EVENTS_H
#define ICESPEC_LIBNICE_EVENTS_H

#include <json-glib/json-glib.h>

/* Starts an event object {"event": NAME, ...}; add members with json_builder_*, then emit_end(). */
JsonBuilder *emit_begin (const char *event);
void emit_end (JsonBuilder *builder);

void emit_simple (const char *event);
void emit_state (const char *state);
void emit_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Prints {"event":"unsupported","command":COMMAND}, the reason on stderr, and exits 127. */
void emit_unsupported_and_exit (const char *command, const char *reason) G_GNUC_NORETURN;

/* "host:port" or "[v6]:port" -> host (g_free) and port; FALSE on malformed text. */
gboolean split_host_port (const char *text, char **host, guint *port);

#endif
