/*
 * Hangar C reference benchmark for RabbitMQ, using rabbitmq-c 0.11.
 *
 * Phase 1 (publish+confirm): declare a durable quorum queue, put the channel
 * in confirm mode and publish N persistent messages of SIZE bytes to the
 * default exchange (routing key = queue name) with a sliding window of at
 * most W unconfirmed publishes. Confirms (basic.ack / basic.nack, honouring
 * the `multiple` flag) are read as method frames with amqp_simple_wait_frame
 * (rabbitmq-c 0.11 has no amqp_publisher_confirm_wait). Timed from the first
 * publish to the last confirm.
 *
 * Phase 2 (consume+ack): basic.qos prefetch P, basic.consume (no_ack=0),
 * receive the messages with amqp_consume_message and basic.ack each one
 * individually (multiple=0). Timed from basic.consume to the last ack sent.
 *
 * Then cancels the consumer, deletes the queue and closes cleanly.
 *
 * stdout gets exactly one line:
 *   c-reference messages=N size=S window=W prefetch=P
 *     publish_confirm_msgs_per_s=X consume_ack_msgs_per_s=Y
 * (on one line). Diagnostics go to stderr.
 *
 * Exit status: 0 ok; 1 AMQP / socket / protocol error; 2 usage error;
 * 3 the run completed but the broker nacked some publishes (result line is
 * still printed; the consume phase then expects N - nacked messages).
 */
#define _POSIX_C_SOURCE 200809L

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL 1

static const char *prog = "amqp_reference";

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: error: ", prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static void die_status(int status, const char *context) {
  if (status != AMQP_STATUS_OK) {
    die("%s: %s (status %d)", context, amqp_error_string2(status), status);
  }
}

/* Checks the reply of an RPC-style call (amqp_login, amqp_get_rpc_reply). */
static void die_reply(amqp_rpc_reply_t r, const char *context) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return;
    case AMQP_RESPONSE_NONE:
      die("%s: missing RPC reply type", context);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      die("%s: %s", context, amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      switch (r.reply.id) {
        case AMQP_CONNECTION_CLOSE_METHOD: {
          const amqp_connection_close_t *m = r.reply.decoded;
          die("%s: server closed the connection: %u %.*s", context, m->reply_code,
              (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        }
        case AMQP_CHANNEL_CLOSE_METHOD: {
          const amqp_channel_close_t *m = r.reply.decoded;
          die("%s: server closed the channel: %u %.*s", context, m->reply_code,
              (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        }
        default:
          die("%s: unexpected server method 0x%08" PRIX32, context, r.reply.id);
      }
  }
  die("%s: unknown reply type %d", context, (int)r.reply_type);
}

/* A connection.close or channel.close arriving as a frame is fatal. */
static void die_on_close_frame(const amqp_frame_t *f, const char *context) {
  if (f->frame_type != AMQP_FRAME_METHOD) return;
  if (f->payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    const amqp_connection_close_t *m = f->payload.method.decoded;
    die("%s: server closed the connection: %u %.*s", context, m->reply_code,
        (int)m->reply_text.len, (const char *)m->reply_text.bytes);
  }
  if (f->payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const amqp_channel_close_t *m = f->payload.method.decoded;
    die("%s: server closed channel %u: %u %.*s", context, (unsigned)f->channel,
        m->reply_code, (int)m->reply_text.len, (const char *)m->reply_text.bytes);
  }
}

static double now_s(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime: %s", strerror(errno));
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long rate(uint64_t n, double secs) {
  if (n == 0) return 0;
  if (secs <= 0.0) secs = 1e-9;
  return (long long)((double)n / secs + 0.5);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max) {
  char *end = NULL;
  errno = 0;
  if (s[0] == '-') goto bad;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max) goto bad;
  return (uint64_t)v;
bad:
  fprintf(stderr, "%s: invalid value for --%s: '%s' (expected an integer in [%" PRIu64 ", %" PRIu64 "])\n",
          prog, opt, s, min, max);
  exit(2);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: %s [--host H] [--port P] [--messages N] [--size BYTES]\n"
          "          [--window W] [--prefetch P] [--queue NAME]\n"
          "          [--user U] [--password PW] [--vhost V]\n"
          "defaults: --host 127.0.0.1 --port 5672 --messages 50000 --size 1024\n"
          "          --window 1000 --prefetch 1000 --queue bench.c.<pid>\n"
          "          --user guest --password guest --vhost /\n",
          prog);
}

/* ---- publisher confirm tracking ---------------------------------------- */

enum { TAG_PENDING = 0, TAG_ACKED = 1, TAG_NACKED = 2 };

typedef struct {
  uint8_t *state;      /* index = delivery tag (1..n) */
  uint64_t n;          /* messages to publish */
  uint64_t published;  /* highest delivery tag published so far */
  uint64_t low;        /* every tag < low is settled */
  uint64_t acked;
  uint64_t nacked;
  uint64_t nack_frames; /* basic.nack frames seen (for rate-limited warnings) */
} confirms_t;

static void settle_one(confirms_t *c, uint64_t tag, uint8_t how) {
  if (c->state[tag] != TAG_PENDING) return;
  c->state[tag] = how;
  if (how == TAG_ACKED)
    c->acked++;
  else
    c->nacked++;
}

static void settle(confirms_t *c, uint64_t tag, int multiple, uint8_t how) {
  if (tag == 0 || tag > c->published) {
    die("broker confirmed delivery tag %" PRIu64 " but only %" PRIu64 " were published", tag,
        c->published);
  }
  if (multiple) {
    for (uint64_t t = c->low; t <= tag; t++) settle_one(c, t, how);
  } else {
    settle_one(c, tag, how);
  }
  while (c->low <= c->published && c->state[c->low] != TAG_PENDING) c->low++;
}

static uint64_t outstanding(const confirms_t *c) {
  return c->published - c->acked - c->nacked;
}

/* Reads one frame (blocking) and applies it if it is a confirm. */
static void read_one_confirm_frame(amqp_connection_state_t conn, confirms_t *c) {
  amqp_frame_t frame;
  int status = amqp_simple_wait_frame(conn, &frame);
  die_status(status, "waiting for publisher confirms");
  die_on_close_frame(&frame, "waiting for publisher confirms");
  if (frame.frame_type == AMQP_FRAME_METHOD) {
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *ack = frame.payload.method.decoded;
        settle(c, ack->delivery_tag, ack->multiple, TAG_ACKED);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const amqp_basic_nack_t *nack = frame.payload.method.decoded;
        uint64_t before = c->nacked;
        settle(c, nack->delivery_tag, nack->multiple, TAG_NACKED);
        if (++c->nack_frames <= 5) {
          fprintf(stderr, "%s: warning: broker nacked %" PRIu64 " publish(es) (delivery tag %" PRIu64 "%s)%s\n",
                  prog, c->nacked - before, (uint64_t)nack->delivery_tag,
                  nack->multiple ? ", multiple" : "",
                  c->nack_frames == 5 ? "; further nack warnings suppressed" : "");
        }
        break;
      }
      case AMQP_BASIC_RETURN_METHOD:
        die("broker returned a message (basic.return) although mandatory=0");
      default:
        die("unexpected method %s (0x%08" PRIX32 ") on channel %u while waiting for confirms",
            amqp_method_name(frame.payload.method.id), frame.payload.method.id,
            (unsigned)frame.channel);
    }
  } else {
    die("unexpected frame type %u on channel %u while waiting for confirms",
        (unsigned)frame.frame_type, (unsigned)frame.channel);
  }
  amqp_maybe_release_buffers(conn);
}

/* Applies every frame that is already received, without blocking. */
static void drain_buffered_confirms(amqp_connection_state_t conn, confirms_t *c) {
  while (amqp_frames_enqueued(conn) || amqp_data_in_buffer(conn)) {
    read_one_confirm_frame(conn, c);
  }
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 5672;
  uint64_t messages = 50000;
  uint64_t size = 1024;
  uint64_t window = 1000;
  uint64_t prefetch = 1000;
  const char *user = "guest";
  const char *password = "guest";
  const char *vhost = "/";
  char default_queue[64];
  const char *queue = NULL;

  static const struct option long_opts[] = {
      {"host", required_argument, NULL, 'H'},     {"port", required_argument, NULL, 'p'},
      {"messages", required_argument, NULL, 'n'}, {"size", required_argument, NULL, 's'},
      {"window", required_argument, NULL, 'w'},   {"prefetch", required_argument, NULL, 'f'},
      {"queue", required_argument, NULL, 'q'},    {"user", required_argument, NULL, 'u'},
      {"password", required_argument, NULL, 'P'}, {"vhost", required_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
  };
  int opt;
  while ((opt = getopt_long(argc, argv, "H:p:n:s:w:f:q:u:P:v:h", long_opts, NULL)) != -1) {
    switch (opt) {
      case 'H': host = optarg; break;
      case 'p': port = (int)parse_u64("port", optarg, 1, 65535); break;
      case 'n': messages = parse_u64("messages", optarg, 1, 100000000); break;
      case 's': size = parse_u64("size", optarg, 0, 64u * 1024 * 1024); break;
      case 'w': window = parse_u64("window", optarg, 1, 10000000); break;
      case 'f': prefetch = parse_u64("prefetch", optarg, 1, 65535); break; /* qos is a short */
      case 'q': queue = optarg; break;
      case 'u': user = optarg; break;
      case 'P': password = optarg; break;
      case 'v': vhost = optarg; break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (optind != argc) {
    fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
    usage(stderr);
    return 2;
  }
  if (queue == NULL) {
    int w = snprintf(default_queue, sizeof default_queue, "bench.c.%ld", (long)getpid());
    if (w < 0 || (size_t)w >= sizeof default_queue) die("snprintf failed");
    queue = default_queue;
  }
  if (strlen(queue) > 255) {
    fprintf(stderr, "%s: queue name longer than 255 bytes\n", prog);
    return 2;
  }

  /* ---- connect ---- */
  amqp_connection_state_t conn = amqp_new_connection();
  if (conn == NULL) die("amqp_new_connection failed");
  amqp_socket_t *sock = amqp_tcp_socket_new(conn);
  if (sock == NULL) die("amqp_tcp_socket_new failed");
  int status = amqp_socket_open(sock, host, port);
  if (status != AMQP_STATUS_OK) {
    die("cannot connect to %s:%d: %s", host, port, amqp_error_string2(status));
  }
  die_reply(amqp_login(conn, vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, user,
                       password),
            "login");
  if (amqp_channel_open(conn, CHANNEL) == NULL) die_reply(amqp_get_rpc_reply(conn), "channel.open");
  die_reply(amqp_get_rpc_reply(conn), "channel.open");

  amqp_bytes_t qname = amqp_cstring_bytes(queue);

  amqp_table_entry_t qargs_entry;
  qargs_entry.key = amqp_cstring_bytes("x-queue-type");
  qargs_entry.value.kind = AMQP_FIELD_KIND_UTF8;
  qargs_entry.value.value.bytes = amqp_cstring_bytes("quorum");
  amqp_table_t qargs = {1, &qargs_entry};

  amqp_queue_declare_ok_t *dok = amqp_queue_declare(conn, CHANNEL, qname, /*passive*/ 0,
                                                    /*durable*/ 1, /*exclusive*/ 0,
                                                    /*auto_delete*/ 0, qargs);
  die_reply(amqp_get_rpc_reply(conn), "queue.declare");
  if (dok == NULL) die("queue.declare: no reply");
  if (dok->message_count != 0) {
    fprintf(stderr, "%s: queue %s already held %" PRIu32 " message(s); purging\n", prog, queue,
            dok->message_count);
    amqp_queue_purge(conn, CHANNEL, qname);
    die_reply(amqp_get_rpc_reply(conn), "queue.purge");
  }

  if (amqp_confirm_select(conn, CHANNEL) == NULL) die_reply(amqp_get_rpc_reply(conn), "confirm.select");
  die_reply(amqp_get_rpc_reply(conn), "confirm.select");

  /* ---- phase 1: publish + confirm ---- */
  char *payload = malloc(size > 0 ? size : 1);
  if (payload == NULL) die("out of memory (payload of %" PRIu64 " bytes)", size);
  for (uint64_t i = 0; i < size; i++) payload[i] = (char)('a' + (i % 26));
  amqp_bytes_t body = {size, payload};

  amqp_basic_properties_t props;
  memset(&props, 0, sizeof props);
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  props.content_type = amqp_cstring_bytes("application/octet-stream");

  confirms_t cf;
  memset(&cf, 0, sizeof cf);
  cf.n = messages;
  cf.low = 1;
  cf.state = calloc(messages + 1, 1);
  if (cf.state == NULL) die("out of memory (confirm table)");

  double p0 = now_s();
  for (uint64_t i = 0; i < messages; i++) {
    while (outstanding(&cf) >= window) {
      read_one_confirm_frame(conn, &cf);
      drain_buffered_confirms(conn, &cf);
    }
    status = amqp_basic_publish(conn, CHANNEL, amqp_empty_bytes, qname, /*mandatory*/ 0,
                                /*immediate*/ 0, &props, body);
    if (status != AMQP_STATUS_OK) {
      die("basic.publish #%" PRIu64 ": %s (status %d)", i + 1, amqp_error_string2(status), status);
    }
    cf.published++;
  }
  while (outstanding(&cf) > 0) read_one_confirm_frame(conn, &cf);
  double p1 = now_s();
  double publish_secs = p1 - p0;
  fprintf(stderr, "%s: published %" PRIu64 " x %" PRIu64 " B to %s: %" PRIu64 " acked, %" PRIu64
                  " nacked in %.3f s\n",
          prog, messages, size, queue, cf.acked, cf.nacked, publish_secs);

  /* ---- phase 2: consume + ack ---- */
  uint64_t expect = cf.acked; /* nacked messages were not enqueued */
  if (amqp_basic_qos(conn, CHANNEL, 0, (uint16_t)prefetch, 0) == NULL)
    die_reply(amqp_get_rpc_reply(conn), "basic.qos");
  die_reply(amqp_get_rpc_reply(conn), "basic.qos");

  double c0 = now_s();
  amqp_basic_consume_ok_t *cok = amqp_basic_consume(conn, CHANNEL, qname, amqp_empty_bytes,
                                                    /*no_local*/ 0, /*no_ack*/ 0,
                                                    /*exclusive*/ 0, amqp_empty_table);
  die_reply(amqp_get_rpc_reply(conn), "basic.consume");
  if (cok == NULL) die("basic.consume: no reply");
  amqp_bytes_t ctag = amqp_bytes_malloc_dup(cok->consumer_tag);
  if (ctag.bytes == NULL) die("out of memory (consumer tag)");

  uint64_t received = 0, wrong_size = 0;
  while (received < expect) {
    amqp_envelope_t env;
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t r = amqp_consume_message(conn, &env, NULL, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      if (env.message.body.len != size) wrong_size++;
      uint64_t tag = env.delivery_tag;
      amqp_destroy_envelope(&env);
      status = amqp_basic_ack(conn, CHANNEL, tag, /*multiple*/ 0);
      if (status != AMQP_STATUS_OK) {
        die("basic.ack (delivery tag %" PRIu64 "): %s", tag, amqp_error_string2(status));
      }
      received++;
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      /* A frame other than basic.deliver arrived: read and judge it. */
      amqp_frame_t frame;
      die_status(amqp_simple_wait_frame(conn, &frame), "consuming");
      die_on_close_frame(&frame, "consuming");
      if (frame.frame_type == AMQP_FRAME_METHOD &&
          frame.payload.method.id == AMQP_BASIC_CANCEL_METHOD) {
        die("consumer was cancelled by the broker after %" PRIu64 " of %" PRIu64 " messages",
            received, expect);
      }
      if (frame.frame_type == AMQP_FRAME_METHOD &&
          (frame.payload.method.id == AMQP_BASIC_ACK_METHOD ||
           frame.payload.method.id == AMQP_BASIC_NACK_METHOD)) {
        continue; /* stray confirm: every publish was already settled */
      }
      die("unexpected frame (type %u, method %s) while consuming", (unsigned)frame.frame_type,
          frame.frame_type == AMQP_FRAME_METHOD ? amqp_method_name(frame.payload.method.id) : "-");
    }
    die_reply(r, "consuming");
    die("consuming: unexpected reply");
  }
  double c1 = now_s();
  double consume_secs = c1 - c0;
  fprintf(stderr, "%s: consumed and acked %" PRIu64 " messages in %.3f s\n", prog, received,
          consume_secs);
  if (wrong_size) {
    die("%" PRIu64 " message(s) had a body size other than %" PRIu64, wrong_size, size);
  }

  /* ---- cleanup ---- */
  if (amqp_basic_cancel(conn, CHANNEL, ctag) == NULL) die_reply(amqp_get_rpc_reply(conn), "basic.cancel");
  die_reply(amqp_get_rpc_reply(conn), "basic.cancel");
  amqp_bytes_free(ctag);
  amqp_queue_delete_ok_t *del = amqp_queue_delete(conn, CHANNEL, qname, 0, 0);
  die_reply(amqp_get_rpc_reply(conn), "queue.delete");
  if (del == NULL) die("queue.delete: no reply");
  if (del->message_count != 0) {
    fprintf(stderr, "%s: warning: queue still held %" PRIu32 " message(s) when deleted\n", prog,
            del->message_count);
  }
  die_reply(amqp_channel_close(conn, CHANNEL, AMQP_REPLY_SUCCESS), "channel.close");
  die_reply(amqp_connection_close(conn, AMQP_REPLY_SUCCESS), "connection.close");
  die_status(amqp_destroy_connection(conn), "destroying the connection");
  free(payload);
  free(cf.state);

  if (printf("c-reference messages=%" PRIu64 " size=%" PRIu64 " window=%" PRIu64 " prefetch=%" PRIu64
             " publish_confirm_msgs_per_s=%lld consume_ack_msgs_per_s=%lld\n",
             messages, size, window, prefetch, rate(cf.acked + cf.nacked, publish_secs),
             rate(received, consume_secs)) < 0 ||
      fflush(stdout) != 0) {
    die("writing the result to stdout failed");
  }
  if (cf.nacked > 0) {
    fprintf(stderr, "%s: %" PRIu64 " publish(es) were nacked by the broker\n", prog, cf.nacked);
    return 3;
  }
  return 0;
}
