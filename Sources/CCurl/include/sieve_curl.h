#ifndef SIEVE_CURL_H
#define SIEVE_CURL_H

#include <stddef.h>
#include <stdint.h>

/// Thin, non-variadic wrappers over libcurl (the transfers themselves run in sieve_multi.h): Swift cannot call `curl_easy_setopt` (it is variadic).
/// Handles are opaque `void *` so that Swift never needs libcurl's headers.

typedef size_t (*sieve_curl_data_cb)(const char *data, size_t size, void *userdata);

/// Result of one transfer.
typedef struct {
    int code;                 ///< CURLcode (0 = OK)
    long http_status;         ///< last response's status, 0 when none
    long redirect_count;
    double total_time;        ///< seconds
    char effective_url[2048]; ///< URL after redirects
    char error[512];          ///< curl's error buffer (may be empty)
} sieve_curl_result;

typedef struct {
    const char *url;
    const char *user_agent;
    const char *const *headers;  ///< "Name: value" strings
    int header_count;
    long connect_timeout_ms;
    long total_timeout_ms;
    long low_speed_limit;        ///< bytes/s; 0 disables
    long low_speed_time;         ///< seconds below the limit before aborting
    long max_redirects;          ///< -1 = don't follow
    const char *protocols;       ///< e.g. "http,https,file"
    const char *proxy;           ///< NULL for none
    const char *cookie;          ///< "name=value; name2=value2" or NULL
    const char *const *resolve;  ///< CURLOPT_RESOLVE entries "host:port:addr"
    int resolve_count;
    const char *method;          ///< NULL = GET (or POST when a body is given); else e.g. "POST", "DELETE"
    const char *body;            ///< request body (copied), NULL for none
    long body_length;
} sieve_curl_request;

/// Global init; call once (idempotent, thread-safe).
void sieve_curl_global_init(void);

/// curl_easy_strerror.
const char *sieve_curl_strerror(int code);

/// libcurl's version string.
const char *sieve_curl_version(void);

/// Named CURLcode values the Swift side maps to errors.
enum {
    SIEVE_CURLE_OK = 0,
    SIEVE_CURLE_UNSUPPORTED_PROTOCOL = 1,
    SIEVE_CURLE_URL_MALFORMAT = 3,
    SIEVE_CURLE_COULDNT_RESOLVE_HOST = 6,
    SIEVE_CURLE_COULDNT_CONNECT = 7,
    SIEVE_CURLE_WRITE_ERROR = 23,
    SIEVE_CURLE_OPERATION_TIMEDOUT = 28,
    SIEVE_CURLE_TOO_MANY_REDIRECTS = 47,
    SIEVE_CURLE_GOT_NOTHING = 52,
    SIEVE_CURLE_SEND_ERROR = 55,
    SIEVE_CURLE_RECV_ERROR = 56,
    SIEVE_CURLE_BAD_CONTENT_ENCODING = 61,
    SIEVE_CURLE_FILE_COULDNT_READ_FILE = 37,
    SIEVE_CURLE_PARTIAL_FILE = 18,
    SIEVE_CURLE_SSL_CONNECT_ERROR = 35,
    SIEVE_CURLE_PEER_FAILED_VERIFICATION = 60,
    SIEVE_CURLE_HTTP2 = 16,
};

/// glibc's mallopt(M_ARENA_MAX, n): fewer malloc arenas for a process with many short-lived threads.
void sieve_malloc_arena_max(int n);

/// Whether the kernel considers the system clock synchronised (NTP): 1 yes, 0 no, -errno when it cannot say.
/// `esterror` gets the estimated error in microseconds. (adjtimex(2) reading only; <sys/timex.h> has no Swift module.)
int sieve_clock_synchronised(long *esterror);

#endif
