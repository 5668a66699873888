/* driver.h -- state shared by the command reader (main.c) and the libnice glue (agent.c). */
#ifndef ICESPEC_LIBNICE_DRIVER_H
#define ICESPEC_LIBNICE_DRIVER_H

#include <glib.h>
#include <agent.h>
#include <json-glib/json-glib.h>

typedef struct {
  gboolean controlling;
  gboolean regular_nomination;
  gboolean relay_only;
  gchar **addresses;                 /* NULL-terminated; empty = libnice's own choice (all non-loopback) */
  gchar *stun_host;
  guint stun_port;
  gchar *turn_host, *turn_username, *turn_password;
  guint turn_port;
  gboolean turn_tcp;
  gboolean udp, tcp;                 /* RFC 8445 UDP and RFC 6544 TCP host candidates ("transports") */
} DriverConfig;

typedef struct {
  GMainLoop *loop;
  NiceAgent *agent;
  guint stream;
  int exit_code;
  gchar *remote_ufrag, *remote_pwd;  /* the peer's credentials in force: new ones mean the peer restarted (RFC 8445 §9) */
  gboolean restarted;                /* this agent restarted since the peer's last credentials */
} Driver;

gboolean agent_create (Driver *d, const DriverConfig *config);
gboolean agent_gather (Driver *d);
gboolean agent_set_remote_credentials (Driver *d, const char *ufrag, const char *pwd);
gboolean agent_add_remote_candidates (Driver *d, const char *const *lines, guint count);
void agent_end_of_candidates (Driver *d);
gboolean agent_restart (Driver *d);
gboolean agent_send (Driver *d, const guchar *data, gsize length);
void agent_destroy (Driver *d);

/* commands.c: one parsed command line. */
void command_run (Driver *d, JsonObject *command);

#endif
