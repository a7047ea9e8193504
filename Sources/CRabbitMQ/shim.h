// rabbitmq-c (Debian librabbitmq-dev). Its API is blocking and leans on macros,
// variadics and tagged unions Swift handles badly, so the few operations Usher
// needs are whole functions here. Every call runs on one dedicated thread per
// connection (see InventoryEvents/AMQPConnection.swift), never on Swift's pool.
#ifndef USHER_CRABBITMQ_SHIM_H
#define USHER_CRABBITMQ_SHIM_H
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/// Writes a sentence about `reply` (a failed RPC) into `error`.
static inline void usher_amqp_describe(amqp_rpc_reply_t reply, const char *what, char *error, size_t size) {
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        snprintf(error, size, "%s: ok", what);
        break;
    case AMQP_RESPONSE_NONE:
        snprintf(error, size, "%s: no reply", what);
        break;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        snprintf(error, size, "%s: %s", what, amqp_error_string2(reply.library_error));
        break;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = (amqp_connection_close_t *)reply.reply.decoded;
            snprintf(error, size, "%s: connection closed by broker: %d %.*s", what, m->reply_code,
                     (int)m->reply_text.len, (char *)m->reply_text.bytes);
        } else if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = (amqp_channel_close_t *)reply.reply.decoded;
            snprintf(error, size, "%s: channel closed by broker: %d %.*s", what, m->reply_code,
                     (int)m->reply_text.len, (char *)m->reply_text.bytes);
        } else {
            snprintf(error, size, "%s: broker error (method 0x%08X)", what, reply.reply.id);
        }
        break;
    }
}

static inline int usher_amqp_ok(amqp_connection_state_t c, const char *what, char *error, size_t size) {
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(c);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return 1;
    usher_amqp_describe(reply, what, error, size);
    return 0;
}

/// Connects, logs in and opens channel 1. Returns NULL with `error` filled on failure.
static inline amqp_connection_state_t usher_amqp_connect(
    const char *host, int port, const char *user, const char *password, const char *vhost,
    int timeout_ms, int heartbeat_s, char *error, size_t size) {
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(c);
    if (socket == NULL) {
        snprintf(error, size, "cannot create a socket");
        amqp_destroy_connection(c);
        return NULL;
    }
    struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int status = amqp_socket_open_noblock(socket, host, port, &timeout);
    if (status != AMQP_STATUS_OK) {
        snprintf(error, size, "cannot connect to %s:%d: %s", host, port, amqp_error_string2(status));
        amqp_destroy_connection(c);
        return NULL;
    }
    amqp_set_handshake_timeout(c, &timeout);
    amqp_set_rpc_timeout(c, &timeout);
    amqp_rpc_reply_t login = amqp_login(c, vhost, 0, 131072, heartbeat_s, AMQP_SASL_METHOD_PLAIN, user, password);
    if (login.reply_type != AMQP_RESPONSE_NORMAL) {
        usher_amqp_describe(login, "login", error, size);
        amqp_destroy_connection(c);
        return NULL;
    }
    amqp_channel_open(c, 1);
    if (!usher_amqp_ok(c, "channel open", error, size)) {
        amqp_destroy_connection(c);
        return NULL;
    }
    return c;
}

static inline void usher_amqp_close(amqp_connection_state_t c) {
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

/// Declares, idempotently and durable, the fanout exchange expired holds are
/// dead-lettered to and the expiry queue bound to it.
static inline int usher_amqp_declare_expiry(amqp_connection_state_t c, const char *exchange, const char *expired, char *error, size_t size) {
    amqp_exchange_declare(c, 1, amqp_cstring_bytes(exchange), amqp_cstring_bytes("fanout"), 0, 1, 0, 0, amqp_empty_table);
    if (!usher_amqp_ok(c, "declare exchange", error, size)) return 0;
    amqp_queue_declare(c, 1, amqp_cstring_bytes(expired), 0, 1, 0, 0, amqp_empty_table);
    if (!usher_amqp_ok(c, "declare expiry queue", error, size)) return 0;
    amqp_queue_bind(c, 1, amqp_cstring_bytes(expired), amqp_cstring_bytes(exchange), amqp_empty_bytes, amqp_empty_table);
    return usher_amqp_ok(c, "bind expiry queue", error, size);
}

/// Declares, idempotently and durable, a wait queue whose expired messages are
/// dead-lettered to `exchange`.
static inline int usher_amqp_declare_wait(amqp_connection_state_t c, const char *wait, const char *exchange, char *error, size_t size) {
    amqp_table_entry_t entries[1];
    entries[0].key = amqp_cstring_bytes("x-dead-letter-exchange");
    entries[0].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[0].value.value.bytes = amqp_cstring_bytes(exchange);
    amqp_table_t arguments = {1, entries};
    amqp_queue_declare(c, 1, amqp_cstring_bytes(wait), 0, 1, 0, 0, arguments);
    return usher_amqp_ok(c, "declare wait queue", error, size);
}

/// Puts channel 1 in confirm mode (publisher confirms).
static inline int usher_amqp_confirm_select(amqp_connection_state_t c, char *error, size_t size) {
    amqp_confirm_select(c, 1);
    return usher_amqp_ok(c, "confirm.select", error, size);
}

/// Publishes a persistent message to `queue` (through the default exchange) that
/// expires after `expiration_ms`, and waits up to `timeout_ms` for the broker's
/// confirm. Returns 1 when confirmed, 0 when nacked, negative on a broken link.
static inline int usher_amqp_publish_confirmed(
    amqp_connection_state_t c, const char *queue, const char *body, size_t length, const char *expiration_ms,
    int timeout_ms, char *error, size_t size) {
    amqp_basic_properties_t properties;
    memset(&properties, 0, sizeof properties);
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_EXPIRATION_FLAG;
    properties.content_type = amqp_cstring_bytes("application/json");
    properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    properties.expiration = amqp_cstring_bytes(expiration_ms);
    amqp_bytes_t message = {length, (void *)body};
    int status = amqp_basic_publish(c, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 1, 0, &properties, message);
    if (status != AMQP_STATUS_OK) {
        snprintf(error, size, "publish: %s", amqp_error_string2(status));
        return -1;
    }
    struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    for (;;) {
        amqp_frame_t frame;
        amqp_maybe_release_buffers(c);
        status = amqp_simple_wait_frame_noblock(c, &frame, &timeout);
        if (status == AMQP_STATUS_TIMEOUT) {
            snprintf(error, size, "no publisher confirm within %d ms", timeout_ms);
            return -2;
        }
        if (status != AMQP_STATUS_OK) {
            snprintf(error, size, "waiting for the confirm: %s", amqp_error_string2(status));
            return -1;
        }
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD:
            return 1;
        case AMQP_BASIC_NACK_METHOD:
            snprintf(error, size, "the broker refused the message (basic.nack)");
            return 0;
        case AMQP_BASIC_RETURN_METHOD:
            // Unroutable (mandatory): the wait queue is missing. The ack follows; report it.
            snprintf(error, size, "the message was returned as unroutable");
            continue;
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD:
            snprintf(error, size, "the broker closed the channel while publishing");
            return -1;
        default:
            continue;
        }
    }
}

/// Starts consuming `queue` on channel 1 with at most `prefetch` unacked messages.
static inline int usher_amqp_consume(amqp_connection_state_t c, const char *queue, int prefetch, char *error, size_t size) {
    amqp_basic_qos(c, 1, 0, (uint16_t)prefetch, 0);
    if (!usher_amqp_ok(c, "basic.qos", error, size)) return 0;
    amqp_basic_consume(c, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    return usher_amqp_ok(c, "basic.consume", error, size);
}

/// Waits up to `timeout_ms` for a delivery. Returns 1 with a malloc'ed copy of the
/// body (the caller frees it), 0 on timeout, negative when the link is broken.
static inline int usher_amqp_next(
    amqp_connection_state_t c, int timeout_ms, char **body, size_t *length, uint64_t *tag, int *redelivered,
    char *error, size_t size) {
    amqp_envelope_t envelope;
    struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    amqp_maybe_release_buffers(c);
    amqp_rpc_reply_t reply = amqp_consume_message(c, &envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) return 0;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // A frame other than a delivery (e.g. a channel close): read it to know.
        amqp_frame_t frame;
        if (amqp_simple_wait_frame_noblock(c, &frame, &timeout) == AMQP_STATUS_OK && frame.frame_type == AMQP_FRAME_METHOD
            && (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
            snprintf(error, size, "the broker closed the consumer's channel");
            return -1;
        }
        return 0;
    }
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        usher_amqp_describe(reply, "consume", error, size);
        return -1;
    }
    *length = envelope.message.body.len;
    *body = (char *)malloc(*length + 1);
    if (*body != NULL) {
        memcpy(*body, envelope.message.body.bytes, *length);
        (*body)[*length] = 0;
    }
    *tag = envelope.delivery_tag;
    *redelivered = envelope.redelivered;
    amqp_destroy_envelope(&envelope);
    return *body != NULL ? 1 : -1;
}

static inline int usher_amqp_ack(amqp_connection_state_t c, uint64_t tag) {
    return amqp_basic_ack(c, 1, tag, 0);
}

static inline int usher_amqp_reject(amqp_connection_state_t c, uint64_t tag, int requeue) {
    return amqp_basic_reject(c, 1, tag, requeue);
}
#endif
