#ifndef SIEVE_MULTI_H
#define SIEVE_MULTI_H

#include "sieve_curl.h"

/// libcurl's multi interface behind a small C API: many concurrent transfers on one thread, with a shared
/// connection cache (keep-alive) and HTTP/2 multiplexing when servers offer it.

typedef struct sieve_multi sieve_multi;

/// Extra per-transfer options for the multi interface.
typedef struct {
    /// When 0, connections to loopback, private (RFC 1918, fc00::/7), link-local, CGNAT, unspecified and other
    /// special-purpose addresses are refused before connecting (the check runs on every resolved address, so
    /// redirects and DNS rebinding cannot reach them either). With a proxy the connection is to the proxy and is
    /// not checked: the caller checks the target with sieve_address_is_private first.
    int allow_private;
    /// Maximum bytes of (decoded) body; the transfer is aborted past it. 0 = unlimited.
    long max_body;
} sieve_multi_options;

/// Called for every finished transfer with the userdata given to sieve_multi_add.
/// `blocked_address` is non-zero when the SSRF guard refused the connection.
typedef void (*sieve_multi_done_cb)(void *userdata, const sieve_curl_result *result, int blocked_address, int body_exceeded);

sieve_multi *sieve_multi_new(long max_total_connections, long max_host_connections);
void sieve_multi_free(sieve_multi *m);

/// Adds a transfer. Strings in `request` are copied. Returns 0 on success.
int sieve_multi_add(sieve_multi *m, const sieve_curl_request *request, const sieve_multi_options *options,
                    sieve_curl_data_cb on_body, sieve_curl_data_cb on_header, void *userdata);

/// Waits up to `timeout_ms` for activity, drives transfers, and calls `done` for each finished one.
/// Returns the number of transfers still running, or -1 on error.
int sieve_multi_poll(sieve_multi *m, int timeout_ms, sieve_multi_done_cb done);

/// Resolves `host` (a name or an address) and says whether any of its addresses is one the SSRF guard refuses:
/// 1 yes, 0 no, -1 it does not resolve. Blocking; for requests through a proxy, where the guard at connect time
/// only ever sees the proxy's address.
int sieve_address_is_private(const char *host);

/// Wakes a sieve_multi_poll blocked in another thread (thread-safe).
void sieve_multi_wakeup(sieve_multi *m);

#endif
