#include "sieve_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t sieve_curl_once = PTHREAD_ONCE_INIT;
static void sieve_curl_do_init(void) { curl_global_init(CURL_GLOBAL_ALL); }

void sieve_curl_global_init(void) { pthread_once(&sieve_curl_once, sieve_curl_do_init); }

typedef struct {
    sieve_curl_data_cb cb;
    void *userdata;
} sieve_cb_ctx;

static size_t sieve_write_trampoline(char *ptr, size_t size, size_t nmemb, void *userdata) {
    sieve_cb_ctx *ctx = (sieve_cb_ctx *)userdata;
    size_t n = size * nmemb;
    if (ctx->cb == NULL) return n;
    return ctx->cb(ptr, n, ctx->userdata);
}

int sieve_curl_perform(const sieve_curl_request *rq,
                       sieve_curl_data_cb on_body,
                       sieve_curl_data_cb on_header,
                       void *userdata,
                       sieve_curl_result *result) {
    sieve_curl_global_init();
    memset(result, 0, sizeof(*result));
    CURL *h = curl_easy_init();
    if (h == NULL) {
        result->code = CURLE_FAILED_INIT;
        strncpy(result->error, "curl_easy_init failed", sizeof(result->error) - 1);
        return CURLE_FAILED_INIT;
    }
    sieve_cb_ctx body_ctx = {on_body, userdata};
    sieve_cb_ctx header_ctx = {on_header, userdata};
    struct curl_slist *headers = NULL;
    struct curl_slist *resolve = NULL;

    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, result->error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sieve_write_trampoline);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body_ctx);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sieve_write_trampoline);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &header_ctx);
    /* "" = every encoding this libcurl build supports (gzip, deflate, br, zstd). */
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (rq->user_agent) curl_easy_setopt(h, CURLOPT_USERAGENT, rq->user_agent);
    if (rq->connect_timeout_ms > 0) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
    if (rq->total_timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->total_timeout_ms);
    if (rq->low_speed_limit > 0 && rq->low_speed_time > 0) {
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, rq->low_speed_limit);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, rq->low_speed_time);
    }
    if (rq->max_redirects >= 0) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, rq->max_redirects);
    } else {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    }
    if (rq->protocols) {
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, rq->protocols);
        /* Redirects may never switch to file:// or anything else outside http(s). */
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (rq->proxy) curl_easy_setopt(h, CURLOPT_PROXY, rq->proxy);
    if (rq->cookie) curl_easy_setopt(h, CURLOPT_COOKIE, rq->cookie);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    for (int i = 0; i < rq->header_count; i++) headers = curl_slist_append(headers, rq->headers[i]);
    if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    for (int i = 0; i < rq->resolve_count; i++) resolve = curl_slist_append(resolve, rq->resolve[i]);
    if (resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);

    CURLcode rc = curl_easy_perform(h);
    result->code = (int)rc;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result->http_status);
    curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &result->redirect_count);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &result->total_time);
    char *eff = NULL;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
    if (eff) strncpy(result->effective_url, eff, sizeof(result->effective_url) - 1);

    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(h);
    return (int)rc;
}

const char *sieve_curl_strerror(int code) { return curl_easy_strerror((CURLcode)code); }

const char *sieve_curl_version(void) { return curl_version(); }
