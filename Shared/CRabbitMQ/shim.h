// Swift-facing shim over rabbitmq-c. Only the AMQPClient's `RabbitMQ/` folder calls into it.
#ifndef HANGAR_CRABBITMQ_SHIM_H
#define HANGAR_CRABBITMQ_SHIM_H

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#endif

#include <string.h>
#include <sys/time.h>
#if defined(__linux__)
#include <sys/eventfd.h>
#endif

// Method ids are cast expressions in the headers, which Swift does not import.
static const amqp_method_number_t hangar_method_connection_close = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t hangar_method_connection_close_ok = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_method_number_t hangar_method_connection_blocked = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t hangar_method_connection_unblocked = AMQP_CONNECTION_UNBLOCKED_METHOD;
static const amqp_method_number_t hangar_method_channel_close = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t hangar_method_channel_close_ok = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t hangar_method_basic_deliver = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t hangar_method_basic_return = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t hangar_method_basic_ack = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t hangar_method_basic_nack = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t hangar_method_basic_cancel = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t hangar_method_basic_cancel_ok = AMQP_BASIC_CANCEL_OK_METHOD;

static const amqp_flags_t hangar_flag_content_type = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t hangar_flag_headers = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t hangar_flag_delivery_mode = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t hangar_flag_correlation_id = AMQP_BASIC_CORRELATION_ID_FLAG;
static const amqp_flags_t hangar_flag_message_id = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t hangar_flag_timestamp = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t hangar_flag_type = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t hangar_flag_app_id = AMQP_BASIC_APP_ID_FLAG;
static const amqp_flags_t hangar_flag_reply_to = AMQP_BASIC_REPLY_TO_FLAG;
static const amqp_flags_t hangar_flag_expiration = AMQP_BASIC_EXPIRATION_FLAG;

static inline amqp_table_t hangar_empty_table(void) { return amqp_empty_table; }
static inline amqp_bytes_t hangar_empty_bytes(void) { return amqp_empty_bytes; }

static inline amqp_table_entry_t hangar_table_entry_string(const char *key, amqp_bytes_t value) {
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = value;
    return entry;
}

static inline amqp_table_entry_t hangar_table_entry_bool(const char *key, int value) {
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_BOOLEAN;
    entry.value.value.boolean = value ? 1 : 0;
    return entry;
}

/// `amqp_login_with_properties` is C-variadic; this fixes SASL PLAIN and announces the
/// client's capabilities (consumer cancel notifications, basic.nack, connection.blocked)
/// and its connection name, which the management UI and API show.
static inline amqp_rpc_reply_t hangar_login(amqp_connection_state_t state, const char *vhost,
                                            int frame_max, int heartbeat_seconds,
                                            const char *user, const char *password,
                                            const char *connection_name) {
    amqp_table_entry_t capabilities[5];
    capabilities[0] = hangar_table_entry_bool("publisher_confirms", 1);
    capabilities[1] = hangar_table_entry_bool("consumer_cancel_notify", 1);
    capabilities[2] = hangar_table_entry_bool("basic.nack", 1);
    capabilities[3] = hangar_table_entry_bool("connection.blocked", 1);
    capabilities[4] = hangar_table_entry_bool("authentication_failure_close", 1);

    amqp_table_entry_t properties[4];
    properties[0] = hangar_table_entry_string("product", amqp_cstring_bytes("hangar"));
    properties[1] = hangar_table_entry_string("connection_name", amqp_cstring_bytes(connection_name));
    properties[2] = hangar_table_entry_string("platform", amqp_cstring_bytes("Swift"));
    properties[3].key = amqp_cstring_bytes("capabilities");
    properties[3].value.kind = AMQP_FIELD_KIND_TABLE;
    properties[3].value.value.table.num_entries = 5;
    properties[3].value.value.table.entries = capabilities;

    amqp_table_t table;
    table.num_entries = 4;
    table.entries = properties;
    return amqp_login_with_properties(state, vhost, AMQP_DEFAULT_MAX_CHANNELS, frame_max,
                                      heartbeat_seconds, &table, AMQP_SASL_METHOD_PLAIN,
                                      user, password);
}

/// Reads one frame without blocking: a frame already decoded or buffered, or whatever the
/// socket holds now. Also sends a heartbeat when one is due.
static inline int hangar_poll_frame(amqp_connection_state_t state, amqp_frame_t *frame) {
    struct timeval zero = {0, 0};
    return amqp_simple_wait_frame_noblock(state, frame, &zero);
}

static inline int hangar_socket_open(amqp_socket_t *socket, const char *host, int port,
                                     long timeout_ms) {
    struct timeval timeout;
    timeout.tv_sec = timeout_ms / 1000;
    timeout.tv_usec = (timeout_ms % 1000) * 1000;
    return amqp_socket_open_noblock(socket, host, port, &timeout);
}

static inline int hangar_set_rpc_timeout(amqp_connection_state_t state, long timeout_ms) {
    struct timeval timeout;
    timeout.tv_sec = timeout_ms / 1000;
    timeout.tv_usec = (timeout_ms % 1000) * 1000;
    return amqp_set_rpc_timeout(state, &timeout);
}

static inline int hangar_set_handshake_timeout(amqp_connection_state_t state, long timeout_ms) {
    struct timeval timeout;
    timeout.tv_sec = timeout_ms / 1000;
    timeout.tv_usec = (timeout_ms % 1000) * 1000;
    return amqp_set_handshake_timeout(state, &timeout);
}

/// Sends a heartbeat frame when the connection has been quiet on our side.
static inline int hangar_send_heartbeat(amqp_connection_state_t state) {
    amqp_frame_t frame;
    memset(&frame, 0, sizeof(frame));
    frame.frame_type = AMQP_FRAME_HEARTBEAT;
    frame.channel = 0;
    return amqp_send_frame(state, &frame);
}

#if defined(__linux__)
/// A non-blocking, close-on-exec eventfd for waking a thread out of poll().
static inline int hangar_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
#endif

#endif
