/*
 * stun_peer -- an independent STUN peer built on libnice's STUN library
 * (Debian libnice-dev 0.1.21), used by IceSpec's differential tests and as
 * a speed reference.  All message I/O is hex; see README.md for the contract.
 *
 * libnice behaviours this program relies on or works around (read from the
 * 0.1.21 sources of stun/stunagent.c, stunmessage.c, stunhmac.c, usages/ice.c
 * and confirmed against the RFC 5769 vectors):
 *
 *  - stun_agent_validate() only accepts a success/error RESPONSE whose
 *    (method, transaction id) matches a request the same StunAgent sent;
 *    anything else is STUN_VALIDATION_UNMATCHED_RESPONSE, and the key used
 *    for the response's MESSAGE-INTEGRITY is the key that request was
 *    finished with (the validater callback is NOT consulted).  To validate a
 *    response handed to us we therefore first "send" a request through the
 *    same agent: stun_agent_init_request() (random id), overwrite the 16
 *    bytes cookie+transaction id with the response's, then
 *    stun_agent_finish_message() with the password, which records
 *    (id, method, key) in agent->sent_ids.  In long-term mode that fake
 *    request also carries USERNAME and REALM, because finish_message derives
 *    and stores the MD5 long-term key from them.  Validation consumes the
 *    slot (one response per request); bench-validate re-arms it by setting
 *    sent_ids[0].valid again.
 *  - A response to an authenticated request MUST carry MESSAGE-INTEGRITY
 *    (else UNAUTHORIZED), except error responses 400/401/438, for which
 *    libnice skips the integrity check entirely.
 *  - Short-term: a request/indication without USERNAME or without
 *    MESSAGE-INTEGRITY is STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST; a wrong
 *    HMAC is STUN_VALIDATION_UNAUTHORIZED.
 *  - With STUN_AGENT_USAGE_USE_FINGERPRINT a missing or wrong FINGERPRINT is
 *    STUN_VALIDATION_BAD_REQUEST (checked before integrity).  Without the
 *    flag libnice ignores FINGERPRINT completely, so validate-long turns the
 *    flag on only when the message has a FINGERPRINT.
 *  - A missing magic cookie is STUN_VALIDATION_BAD_REQUEST (RFC 5389 mode);
 *    a bad length / truncated attribute / first two bits set is
 *    STUN_VALIDATION_NOT_STUN; a buffer shorter than the header length says
 *    is STUN_VALIDATION_INCOMPLETE_STUN; trailing bytes after the message are
 *    NOT_STUN.  Attribute padding must be present (length rounded up to 4)
 *    but its byte values are not checked.  libnice itself pads with 0x20
 *    (spaces), exactly like the RFC 5769 vectors.
 *  - Unknown comprehension-required attributes (< 0x8000, not in the
 *    known_attributes list below) are reported only AFTER integrity passed:
 *    STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE for requests,
 *    STUN_VALIDATION_UNKNOWN_ATTRIBUTE otherwise.
 *  - stun_message_find() ignores every attribute after MESSAGE-INTEGRITY
 *    except FINGERPRINT, and everything after FINGERPRINT.  It returns the
 *    first occurrence of duplicated attributes.
 *  - Long-term key = MD5(username ":" realm ":" password) computed by
 *    stun_hash_creds() from the message's USERNAME and REALM; libnice strips
 *    leading/trailing '"' and trailing NUL bytes from all three first.  No
 *    SASLprep is done: pass the already-prepared password.
 *  - stun_usage_ice_conncheck_create_reply() echoes the request's USERNAME
 *    into the response (not RFC behaviour) and does role-conflict handling;
 *    build-response therefore uses the lower-level stun_agent_init_response()
 *    + stun_message_append_xor_addr() + stun_agent_finish_message(), which
 *    reuses the key the request was validated with.
 *  - Every stun_agent_finish_message() of a REQUEST stores its id in one of
 *    STUN_AGENT_MAX_SAVED_IDS (200) slots and fails (returns 0) when they are
 *    full; bench-build calls stun_agent_forget_transaction() per message.
 */
#define _POSIX_C_SOURCE 200809L
#include <stun/stunagent.h>
#include <stun/stunmessage.h>
#include <stun/usages/ice.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_INVALID 1
#define EXIT_USAGE 2

/* Comprehension-required attributes this peer "understands": RFC 5389,
 * RFC 5766 (TURN) and RFC 5245 (ICE).  Anything else below 0x8000 gives
 * STUN_VALIDATION_UNKNOWN_(REQUEST_)ATTRIBUTE. */
static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_USERNAME,
  STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_ERROR_CODE,
  STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES, STUN_ATTRIBUTE_CHANNEL_NUMBER,
  STUN_ATTRIBUTE_LIFETIME, STUN_ATTRIBUTE_XOR_PEER_ADDRESS,
  STUN_ATTRIBUTE_DATA, STUN_ATTRIBUTE_REALM, STUN_ATTRIBUTE_NONCE,
  STUN_ATTRIBUTE_XOR_RELAYED_ADDRESS, STUN_ATTRIBUTE_EVEN_PORT,
  STUN_ATTRIBUTE_REQUESTED_TRANSPORT, STUN_ATTRIBUTE_DONT_FRAGMENT,
  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_RESERVATION_TOKEN,
  STUN_ATTRIBUTE_PRIORITY, STUN_ATTRIBUTE_USE_CANDIDATE,
  0
};

static const char *const status_names[] = {
  "STUN_VALIDATION_SUCCESS", "STUN_VALIDATION_NOT_STUN",
  "STUN_VALIDATION_INCOMPLETE_STUN", "STUN_VALIDATION_BAD_REQUEST",
  "STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST", "STUN_VALIDATION_UNAUTHORIZED",
  "STUN_VALIDATION_UNMATCHED_RESPONSE",
  "STUN_VALIDATION_UNKNOWN_REQUEST_ATTRIBUTE",
  "STUN_VALIDATION_UNKNOWN_ATTRIBUTE", "STUN_VALIDATION_FORBIDDEN",
};

/* Credentials handed to the validater callback. */
typedef struct {
  const char *username;   /* NULL: accept any USERNAME (short-term) */
  const char *realm;      /* long-term only */
  const char *password;
} Creds;

/* Messages can be up to 64 KiB: keep the I/O buffers off the stack. */
static uint8_t in_buf[STUN_MAX_MESSAGE_SIZE];
static uint8_t out_buf[STUN_MAX_MESSAGE_SIZE];

static int usage (void)
{
  fputs (
      "usage:\n"
      "  stun_peer validate-short HEX PASSWORD\n"
      "  stun_peer validate-long HEX USERNAME REALM PASSWORD\n"
      "  stun_peer build-request USERNAME PASSWORD PRIORITY TIEBREAKER"
      " controlling|controlled [use-candidate]\n"
      "  stun_peer build-response REQUEST_HEX PASSWORD IP PORT\n"
      "  stun_peer bench-validate N HEX PASSWORD\n"
      "  stun_peer bench-build N USERNAME PASSWORD [random-tid]\n", stderr);
  return EXIT_USAGE;
}

/* Parses hex (either case; whitespace ignored).  Returns length or -1. */
static long parse_hex (const char *s, uint8_t *out, size_t cap)
{
  size_t n = 0;
  int hi = -1;
  for (; *s; s++) {
    int v;
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
      continue;
    if (*s >= '0' && *s <= '9') v = *s - '0';
    else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
    else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
    else return -1;
    if (hi < 0) {
      hi = v;
    } else {
      if (n >= cap) return -1;
      out[n++] = (uint8_t) (hi << 4 | v);
      hi = -1;
    }
  }
  return hi < 0 ? (long) n : -1;
}

static void print_hex (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    printf ("%02x", p[i]);
  putchar ('\n');
}

static int parse_u64 (const char *s, unsigned long long max,
    unsigned long long *out)
{
  char *end;
  if (*s == '-' || *s == '\0') return 0;
  *out = strtoull (s, &end, 0);       /* decimal, or 0x-prefixed hex */
  return *end == '\0' && *out <= max;
}

/* Short-term: any USERNAME is accepted, the key is the password. */
static bool short_term_validater (StunAgent *agent, StunMessage *msg,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data)
{
  const Creds *c = user_data;
  (void) agent; (void) msg; (void) username; (void) username_len;
  *password = (uint8_t *) c->password;
  *password_len = strlen (c->password);
  return true;
}

/* Long-term: USERNAME and REALM must be the configured ones (byte-exact);
 * libnice then derives MD5(username:realm:password) itself. */
static bool long_term_validater (StunAgent *agent, StunMessage *msg,
    uint8_t *username, uint16_t username_len, uint8_t **password,
    size_t *password_len, void *user_data)
{
  const Creds *c = user_data;
  uint16_t realm_len;
  const uint8_t *realm = stun_message_find (msg, STUN_ATTRIBUTE_REALM,
      &realm_len);
  (void) agent;
  if (username == NULL || username_len != strlen (c->username) ||
      memcmp (username, c->username, username_len) != 0)
    return false;
  if (realm == NULL || realm_len != strlen (c->realm) ||
      memcmp (realm, c->realm, realm_len) != 0)
    return false;
  *password = (uint8_t *) c->password;
  *password_len = strlen (c->password);
  return true;
}

static StunClass buffer_class (const uint8_t *buf)
{
  StunMessage m = { .buffer = (uint8_t *) buf, .buffer_len = 20 };
  return stun_message_get_class (&m);
}

/* Makes `agent` expect a response to `buf` (see the header comment).
 * The fake request lives in a static buffer: libnice keeps pointers to the
 * key only, but keep everything alive for the program's lifetime anyway. */
static bool prime_response (StunAgent *agent, const uint8_t *buf, size_t len,
    const Creds *c, bool long_term)
{
  static uint8_t req_buf[512];
  StunMessage probe = { .buffer = (uint8_t *) buf, .buffer_len = len };
  StunMessage req;

  if (len < 20)
    return false;
  if (!stun_agent_init_request (agent, &req, req_buf, sizeof req_buf,
          stun_message_get_method (&probe)))
    return false;
  memcpy (req_buf + 4, buf + 4, 16);          /* cookie + transaction id */
  if (long_term) {
    if (stun_message_append_string (&req, STUN_ATTRIBUTE_USERNAME,
            c->username) != STUN_MESSAGE_RETURN_SUCCESS ||
        stun_message_append_string (&req, STUN_ATTRIBUTE_REALM,
            c->realm) != STUN_MESSAGE_RETURN_SUCCESS)
      return false;
  }
  return stun_agent_finish_message (agent, &req, (const uint8_t *) c->password,
      strlen (c->password)) != 0;
}

static const char *class_name (StunClass k)
{
  switch (k) {
    case STUN_REQUEST: return "request";
    case STUN_INDICATION: return "indication";
    case STUN_RESPONSE: return "response";
    default: return "error";
  }
}

/* Prints the `valid` block.  USERNAME is printed raw (UTF-8 passes through)
 * except bytes < 0x20, 0x7f and backslash, which become \xNN (one line). */
static void print_valid (const StunMessage *msg)
{
  uint16_t ulen;
  const uint8_t *user;
  uint32_t prio;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;

  puts ("valid");
  printf ("method=0x%03x\n", (unsigned) stun_message_get_method (msg));
  printf ("class=%s\n", class_name (stun_message_get_class (msg)));
  user = stun_message_find (msg, STUN_ATTRIBUTE_USERNAME, &ulen);
  if (user) {
    fputs ("username=", stdout);
    for (uint16_t i = 0; i < ulen; i++) {
      if (user[i] < 0x20 || user[i] == 0x7f || user[i] == '\\')
        printf ("\\x%02x", user[i]);
      else
        putchar (user[i]);
    }
    putchar ('\n');
  }
  if (stun_message_find32 (msg, STUN_ATTRIBUTE_PRIORITY, &prio) ==
      STUN_MESSAGE_RETURN_SUCCESS)
    printf ("priority=%u\n", prio);
  if (stun_message_find_xor_addr (msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
          &ss, &sl) == STUN_MESSAGE_RETURN_SUCCESS) {
    char ip[INET6_ADDRSTRLEN];
    unsigned port;
    if (ss.ss_family == AF_INET) {
      struct sockaddr_in *a = (struct sockaddr_in *) &ss;
      inet_ntop (AF_INET, &a->sin_addr, ip, sizeof ip);
      port = ntohs (a->sin_port);
    } else {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
      inet_ntop (AF_INET6, &a->sin6_addr, ip, sizeof ip);
      port = ntohs (a->sin6_port);
    }
    printf ("xor-mapped=%s:%u\n", ip, port);
  }
  if (stun_message_has_attribute (msg, STUN_ATTRIBUTE_FINGERPRINT))
    puts ("fingerprint=ok");
}

/* Validates buf with a fresh agent; prints nothing. */
static StunValidationStatus validate (StunAgent *agent, StunMessage *msg,
    const uint8_t *buf, size_t len, const Creds *c, bool long_term)
{
  unsigned flags;

  if (long_term) {
    /* FINGERPRINT is optional here but, when present, libnice only checks
     * it if USE_FINGERPRINT is set -- so set it exactly then. */
    StunMessage probe = { .buffer = (uint8_t *) buf, .buffer_len = len };
    flags = STUN_AGENT_USAGE_LONG_TERM_CREDENTIALS;
    if (stun_message_validate_buffer_length (buf, len, true) == (int) len &&
        stun_message_has_attribute (&probe, STUN_ATTRIBUTE_FINGERPRINT))
      flags |= STUN_AGENT_USAGE_USE_FINGERPRINT;
  } else {
    flags = STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
        STUN_AGENT_USAGE_USE_FINGERPRINT;
  }
  stun_agent_init (agent, known_attributes, STUN_COMPATIBILITY_RFC5389, flags);

  if (len >= 20 && (buffer_class (buf) == STUN_RESPONSE ||
          buffer_class (buf) == STUN_ERROR)) {
    if (!prime_response (agent, buf, len, c, long_term)) {
      fputs ("stun_peer: could not prime agent for response\n", stderr);
      return STUN_VALIDATION_UNMATCHED_RESPONSE;
    }
  }
  return stun_agent_validate (agent, msg, buf, len,
      long_term ? long_term_validater : short_term_validater, (void *) c);
}

static int cmd_validate (const char *hex, const Creds *c, bool long_term)
{
  StunAgent agent;
  StunMessage msg;
  StunValidationStatus st;
  long len = parse_hex (hex, in_buf, sizeof in_buf);

  if (len < 0) {
    fputs ("stun_peer: bad hex\n", stderr);
    return EXIT_USAGE;
  }
  st = validate (&agent, &msg, in_buf, (size_t) len, c, long_term);
  if (st != STUN_VALIDATION_SUCCESS) {
    puts (status_names[st]);
    return EXIT_INVALID;
  }
  print_valid (&msg);
  return 0;
}

static int cmd_build_request (int argc, char **argv)
{
  StunAgent agent;
  StunMessage msg;
  unsigned long long prio, tie;
  bool controlling, use_cand = false;
  size_t len;

  if (argc < 7 || argc > 8)
    return usage ();
  if (!parse_u64 (argv[4], UINT32_MAX, &prio) ||
      !parse_u64 (argv[5], UINT64_MAX, &tie))
    return usage ();
  if (strcmp (argv[6], "controlling") == 0) controlling = true;
  else if (strcmp (argv[6], "controlled") == 0) controlling = false;
  else return usage ();
  if (argc == 8) {
    if (strcmp (argv[7], "use-candidate") != 0)
      return usage ();
    use_cand = true;
  }

  stun_agent_init (&agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
      STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
      STUN_AGENT_USAGE_USE_FINGERPRINT);
  /* Order written by libnice: [USE-CANDIDATE] PRIORITY ICE-CONTROLL(ED|ING)
   * USERNAME MESSAGE-INTEGRITY FINGERPRINT; random transaction id; no
   * SOFTWARE (none configured on the agent). */
  len = stun_usage_ice_conncheck_create (&agent, &msg, out_buf, sizeof out_buf,
      (const uint8_t *) argv[2], strlen (argv[2]),
      (const uint8_t *) argv[3], strlen (argv[3]),
      use_cand, controlling, (uint32_t) prio, (uint64_t) tie, NULL,
      STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
  if (len == 0) {
    fputs ("stun_peer: stun_usage_ice_conncheck_create failed\n", stderr);
    return EXIT_INVALID;
  }
  print_hex (out_buf, len);
  return 0;
}

static int cmd_build_response (int argc, char **argv)
{
  StunAgent agent;
  StunMessage req, resp;
  StunValidationStatus st;
  Creds c = { NULL, NULL, argv[3] };
  struct sockaddr_storage ss;
  socklen_t sl;
  unsigned long long port;
  size_t len;
  long rlen;

  if (argc != 6 || !parse_u64 (argv[5], 65535, &port))
    return usage ();
  memset (&ss, 0, sizeof ss);
  if (inet_pton (AF_INET, argv[4],
          &((struct sockaddr_in *) &ss)->sin_addr) == 1) {
    ((struct sockaddr_in *) &ss)->sin_family = AF_INET;
    ((struct sockaddr_in *) &ss)->sin_port = htons ((uint16_t) port);
    sl = sizeof (struct sockaddr_in);
  } else if (inet_pton (AF_INET6, argv[4],
          &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1) {
    ((struct sockaddr_in6 *) &ss)->sin6_family = AF_INET6;
    ((struct sockaddr_in6 *) &ss)->sin6_port = htons ((uint16_t) port);
    sl = sizeof (struct sockaddr_in6);
  } else {
    fputs ("stun_peer: bad IP\n", stderr);
    return EXIT_USAGE;
  }

  rlen = parse_hex (argv[2], in_buf, sizeof in_buf);
  if (rlen < 0) {
    fputs ("stun_peer: bad hex\n", stderr);
    return EXIT_USAGE;
  }
  st = validate (&agent, &req, in_buf, (size_t) rlen, &c, false);
  if (st != STUN_VALIDATION_SUCCESS) {
    puts (status_names[st]);
    return EXIT_INVALID;
  }
  /* init_response copies req.key (the password the request was validated
   * with); finish_message(NULL key) then uses it for MESSAGE-INTEGRITY. */
  if (!stun_agent_init_response (&agent, &resp, out_buf, sizeof out_buf,
          &req)) {
    fputs ("stun_peer: not a request\n", stderr);
    return EXIT_INVALID;
  }
  if (stun_message_append_xor_addr (&resp, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
          &ss, sl) != STUN_MESSAGE_RETURN_SUCCESS) {
    fputs ("stun_peer: cannot append XOR-MAPPED-ADDRESS\n", stderr);
    return EXIT_INVALID;
  }
  len = stun_agent_finish_message (&agent, &resp, NULL, 0);
  if (len == 0) {
    fputs ("stun_peer: stun_agent_finish_message failed\n", stderr);
    return EXIT_INVALID;
  }
  print_hex (out_buf, len);
  return 0;
}

static double now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* One op = stun_agent_validate (length walk, FINGERPRINT CRC32, validater,
 * HMAC-SHA1, unknown-attribute scan) + USERNAME and PRIORITY look-ups. */
static int cmd_bench_validate (int argc, char **argv)
{
  StunAgent agent;
  StunMessage msg;
  Creds c;
  unsigned long long n;
  long len;
  bool is_resp;
  volatile uint32_t sink = 0;
  double t0, t1;

  if (argc != 5 || !parse_u64 (argv[2], 1ULL << 40, &n) || n == 0)
    return usage ();
  c = (Creds) { NULL, NULL, argv[4] };
  len = parse_hex (argv[3], in_buf, sizeof in_buf);
  if (len < 0) {
    fputs ("stun_peer: bad hex\n", stderr);
    return EXIT_USAGE;
  }
  if (validate (&agent, &msg, in_buf, (size_t) len, &c, false) !=
      STUN_VALIDATION_SUCCESS) {
    fputs ("stun_peer: message does not validate\n", stderr);
    return EXIT_INVALID;
  }
  /* For responses: the primed request sits in slot 0 and successful
   * validation clears it; re-arming is a single store. */
  is_resp = buffer_class (in_buf) == STUN_RESPONSE ||
      buffer_class (in_buf) == STUN_ERROR;

  for (int pass = 0; pass < 2; pass++) {
    unsigned long long iters = pass == 0 ? n / 10 : n;
    t0 = now_ns ();
    for (unsigned long long i = 0; i < iters; i++) {
      uint16_t ulen;
      uint32_t prio = 0;
      if (is_resp)
        agent.sent_ids[0].valid = true;
      if (stun_agent_validate (&agent, &msg, in_buf, (size_t) len,
              short_term_validater, &c) != STUN_VALIDATION_SUCCESS) {
        fputs ("stun_peer: validation failed during benchmark\n", stderr);
        return EXIT_INVALID;
      }
      const uint8_t *u = stun_message_find (&msg, STUN_ATTRIBUTE_USERNAME,
          &ulen);
      stun_message_find32 (&msg, STUN_ATTRIBUTE_PRIORITY, &prio);
      sink += prio + (u ? ulen : 0);
    }
    t1 = now_ns ();
  }
  printf ("ns_per_op=%.1f\n", (t1 - t0) / (double) n);
  return 0;
}

/* One op = build the RFC 5769 2.1 request: header, SOFTWARE, PRIORITY,
 * ICE-CONTROLLED, USERNAME (space padded), MESSAGE-INTEGRITY (HMAC-SHA1 via
 * gnutls, key = password, re-keyed on every message: libnice has no cached
 * HMAC context), FINGERPRINT (CRC32, libnice's own table), plus
 * stun_agent_forget_transaction() because finish_message records every
 * request's id in the agent (200 slots).
 * Default: fixed transaction id (the RFC 5769 one) written by
 * stun_message_init(), so the output is byte-identical to the vector when
 * USERNAME/PASSWORD are the vector's.  With "random-tid" the op uses
 * stun_agent_init_request() like libnice's ICE code does, which adds a
 * 16-byte gnutls nonce draw (gnutls_rnd) per message and appends SOFTWARE
 * from stun_agent_set_software(). */
static int cmd_bench_build (int argc, char **argv)
{
  static const uint8_t tid[16] = {
    0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae };
  static const char software[] = "STUN test client";
  StunAgent agent;
  uint8_t buf[512];
  StunMessage msg;
  StunTransactionId id;
  unsigned long long n;
  const char *user, *pw;
  size_t ulen, pwlen, len = 0;
  bool random_tid = false;
  double t0, t1;

  if (argc < 5 || argc > 6 || !parse_u64 (argv[2], 1ULL << 40, &n) || n == 0)
    return usage ();
  if (argc == 6) {
    if (strcmp (argv[5], "random-tid") != 0)
      return usage ();
    random_tid = true;
  }
  user = argv[3]; ulen = strlen (user);
  pw = argv[4]; pwlen = strlen (pw);

  stun_agent_init (&agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
      STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
      STUN_AGENT_USAGE_USE_FINGERPRINT);
  if (random_tid)
    stun_agent_set_software (&agent, software);

  for (int pass = 0; pass < 2; pass++) {
    unsigned long long iters = pass == 0 ? n / 10 : n;
    t0 = now_ns ();
    for (unsigned long long i = 0; i < iters; i++) {
      if (random_tid) {
        stun_agent_init_request (&agent, &msg, buf, sizeof buf, STUN_BINDING);
      } else {
        msg = (StunMessage) { .agent = &agent, .buffer = buf,
            .buffer_len = sizeof buf };
        stun_message_init (&msg, STUN_REQUEST, STUN_BINDING, tid);
        stun_message_append_bytes (&msg, STUN_ATTRIBUTE_SOFTWARE, software,
            sizeof software - 1);
      }
      stun_message_append32 (&msg, STUN_ATTRIBUTE_PRIORITY, 0x6e0001ff);
      stun_message_append64 (&msg, STUN_ATTRIBUTE_ICE_CONTROLLED,
          0x932ff9b151263b36ULL);
      stun_message_append_bytes (&msg, STUN_ATTRIBUTE_USERNAME, user, ulen);
      len = stun_agent_finish_message (&agent, &msg, (const uint8_t *) pw,
          pwlen);
      if (len == 0) {
        fputs ("stun_peer: stun_agent_finish_message failed\n", stderr);
        return EXIT_INVALID;
      }
      stun_message_id (&msg, id);
      stun_agent_forget_transaction (&agent, id);
    }
    t1 = now_ns ();
  }
  printf ("ns_per_op=%.1f\n", (t1 - t0) / (double) n);
  fputs ("message=", stdout);
  print_hex (buf, len);
  return 0;
}

int main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";

  if (strcmp (cmd, "validate-short") == 0 && argc == 4) {
    Creds c = { NULL, NULL, argv[3] };
    return cmd_validate (argv[2], &c, false);
  }
  if (strcmp (cmd, "validate-long") == 0 && argc == 6) {
    Creds c = { argv[3], argv[4], argv[5] };
    return cmd_validate (argv[2], &c, true);
  }
  if (strcmp (cmd, "build-request") == 0)
    return cmd_build_request (argc, argv);
  if (strcmp (cmd, "build-response") == 0)
    return cmd_build_response (argc, argv);
  if (strcmp (cmd, "bench-validate") == 0)
    return cmd_bench_validate (argc, argv);
  if (strcmp (cmd, "bench-build") == 0)
    return cmd_bench_build (argc, argv);
  return usage ();
}
