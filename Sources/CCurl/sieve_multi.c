#include "sieve_multi.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

typedef struct transfer transfer;

struct sieve_multi {
    CURLM *multi;
    transfer *live; /* transfers added and not yet finished (for cleanup) */
};

struct transfer {
    transfer *prev, *next;
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *resolve;
    char *url, *user_agent, *protocols, *proxy, *cookie;
    sieve_curl_data_cb on_body, on_header;
    void *userdata;
    int allow_private;
    int blocked;
    long max_body;
    long received;
    int exceeded;
    sieve_curl_result result;
};

static void link_transfer(sieve_multi *m, transfer *t) {
    t->next = m->live;
    if (m->live) m->live->prev = t;
    m->live = t;
}

static void unlink_transfer(sieve_multi *m, transfer *t) {
    if (t->prev) t->prev->next = t->next; else m->live = t->next;
    if (t->next) t->next->prev = t->prev;
    t->prev = t->next = NULL;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static size_t body_cb(char *ptr, size_t size, size_t nmemb, void *ud) {
    transfer *t = (transfer *)ud;
    size_t n = size * nmemb;
    if (t->max_body > 0 && t->received + (long)n > t->max_body) {
        t->exceeded = 1;
        return 0;
    }
    t->received += (long)n;
    return t->on_body ? t->on_body(ptr, n, t->userdata) : n;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *ud) {
    transfer *t = (transfer *)ud;
    size_t n = size * nmemb;
    return t->on_header ? t->on_header(ptr, n, t->userdata) : n;
}

static int is_private(const struct sockaddr *addr);

/* An IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64), judged as IPv4. */
static int embedded_v4_is_private(const unsigned char *four) {
    struct sockaddr_in v4;
    memset(&v4, 0, sizeof v4);
    v4.sin_family = AF_INET;
    memcpy(&v4.sin_addr, four, 4);
    return is_private((const struct sockaddr *)&v4);
}

/* Addresses a crawler of public sources must never reach unless a source says so: every special-purpose block of
   the IANA registries that is not globally reachable, and IPv6 forms that carry an IPv4 address. */
static int is_private(const struct sockaddr *addr) {
    if (addr->sa_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr);
        if ((a >> 24) == 0) return 1;                       /* 0.0.0.0/8 */
        if ((a >> 24) == 10) return 1;                      /* 10/8 */
        if ((a >> 24) == 127) return 1;                     /* loopback */
        if ((a >> 16) == 0xA9FE) return 1;                  /* 169.254/16 link-local (cloud metadata) */
        if ((a >> 20) == 0xAC1) return 1;                   /* 172.16/12 */
        if ((a >> 16) == 0xC0A8) return 1;                  /* 192.168/16 */
        if ((a >> 22) == (0x64400000u >> 22)) return 1;     /* 100.64/10 CGNAT */
        if ((a >> 8) == 0xC00000) return 1;                 /* 192.0.0.0/24 IETF protocol assignments */
        if ((a >> 8) == 0xC00002) return 1;                 /* 192.0.2.0/24 TEST-NET-1 */
        if ((a >> 8) == 0xC05863) return 1;                 /* 192.88.99.0/24 6to4 relay anycast */
        if ((a >> 17) == (0xC6120000u >> 17)) return 1;     /* 198.18.0.0/15 benchmarking */
        if ((a >> 8) == 0xC63364) return 1;                 /* 198.51.100.0/24 TEST-NET-2 */
        if ((a >> 8) == 0xCB0071) return 1;                 /* 203.0.113.0/24 TEST-NET-3 */
        if ((a >> 28) >= 0xE) return 1;                     /* multicast, reserved, broadcast */
        return 0;
    }
    if (addr->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
        static const unsigned char zero[16] = {0};
        if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return 1; /* :: and ::1 */
        if (memcmp(b, zero, 12) == 0) return embedded_v4_is_private(b + 12); /* ::a.b.c.d (IPv4-compatible) */
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (memcmp(b, mapped, 12) == 0) return embedded_v4_is_private(b + 12); /* ::ffff:a.b.c.d */
        static const unsigned char translated[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0};
        if (memcmp(b, translated, 12) == 0) return embedded_v4_is_private(b + 12); /* ::ffff:0:a.b.c.d (SIIT) */
        static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
        if (memcmp(b, nat64, 12) == 0) return embedded_v4_is_private(b + 12); /* 64:ff9b::/96 NAT64 */
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4] == 0 && b[5] == 1) return 1; /* 64:ff9b:1::/48 local NAT64 */
        if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, zero, 6) == 0) return 1; /* 100::/64 discard */
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return 1; /* 2001::/32 Teredo (hides an IPv4 address) */
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return 1; /* 2001:db8::/32 documentation */
        if (b[0] == 0x20 && b[1] == 0x02) return 1;          /* 2002::/16 6to4 (carries an IPv4 address) */
        if ((b[0] & 0xFE) == 0xFC) return 1;                 /* fc00::/7 unique local */
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return 1; /* fe80::/10 link-local */
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return 1; /* fec0::/10 site-local (deprecated) */
        if (b[0] == 0xFF) return 1;                          /* multicast */
        return 0;
    }
    return 1;
}

int sieve_address_is_private(const char *host) {
    if (!host || !*host) return 1;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return -1;
    int private = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (is_private(ai->ai_addr)) { private = 1; break; }
    }
    freeaddrinfo(res);
    return private;
}

static curl_socket_t open_socket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *address) {
    transfer *t = (transfer *)ud;
    (void)purpose;
    /* Through a proxy every connection goes to the proxy, which the operator chose (often on a private address);
       the caller has checked the target's own address before the request instead. */
    int proxied = t->proxy && *t->proxy;
    if (!t->allow_private && !proxied && is_private(&address->addr)) {
        t->blocked = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

sieve_multi *sieve_multi_new(long max_total_connections, long max_host_connections) {
    sieve_curl_global_init();
    sieve_multi *m = calloc(1, sizeof(sieve_multi));
    if (!m) return NULL;
    m->multi = curl_multi_init();
    curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    if (max_total_connections > 0) curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_total_connections);
    if (max_host_connections > 0) curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, max_host_connections);
    curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, max_total_connections > 0 ? max_total_connections * 2 : 64L);
    return m;
}

static void transfer_free(transfer *t) {
    curl_slist_free_all(t->headers);
    curl_slist_free_all(t->resolve);
    free(t->url);
    free(t->user_agent);
    free(t->protocols);
    free(t->proxy);
    free(t->cookie);
    free(t);
}

void sieve_multi_free(sieve_multi *m) {
    if (!m) return;
    while (m->live) {
        transfer *t = m->live;
        unlink_transfer(m, t);
        curl_multi_remove_handle(m->multi, t->easy);
        curl_easy_cleanup(t->easy);
        transfer_free(t);
    }
    curl_multi_cleanup(m->multi);
    free(m);
}

int sieve_multi_add(sieve_multi *m, const sieve_curl_request *rq, const sieve_multi_options *opt,
                    sieve_curl_data_cb on_body, sieve_curl_data_cb on_header, void *userdata) {
    transfer *t = calloc(1, sizeof(transfer));
    if (!t) return -1;
    CURL *h = curl_easy_init();
    if (!h) { free(t); return -1; }
    t->easy = h;
    t->on_body = on_body;
    t->on_header = on_header;
    t->userdata = userdata;
    t->allow_private = opt ? opt->allow_private : 1;
    t->max_body = opt ? opt->max_body : 0;
    t->url = dup_or_null(rq->url);
    t->user_agent = dup_or_null(rq->user_agent);
    t->protocols = dup_or_null(rq->protocols);
    t->proxy = dup_or_null(rq->proxy);
    t->cookie = dup_or_null(rq->cookie);

    curl_easy_setopt(h, CURLOPT_PRIVATE, t);
    curl_easy_setopt(h, CURLOPT_URL, t->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->result.error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    /* Wait for a connection that may multiplex only where HTTP/2 can be negotiated (TLS + ALPN); for http://
       PIPEWAIT would queue every transfer to a host behind its first, however slow that one is. */
    if (rq->url && strncasecmp(rq->url, "https://", 8) == 0) curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    if (t->user_agent) curl_easy_setopt(h, CURLOPT_USERAGENT, t->user_agent);
    if (rq->connect_timeout_ms > 0) curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
    if (rq->total_timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->total_timeout_ms);
    if (rq->low_speed_limit > 0 && rq->low_speed_time > 0) {
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, rq->low_speed_limit);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, rq->low_speed_time);
    }
    if (rq->max_redirects >= 0) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, rq->max_redirects);
    }
    if (t->protocols) {
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, t->protocols);
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    /* The caller decides about proxies (it reads the *_proxy environment itself and checks the target's address
       first, since behind a proxy this process never connects to the target): none means none. */
    curl_easy_setopt(h, CURLOPT_PROXY, t->proxy ? t->proxy : "");
    if (t->cookie) curl_easy_setopt(h, CURLOPT_COOKIE, t->cookie);
    if (rq->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, rq->body_length);
        curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, rq->body);
    }
    if (rq->method) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    for (int i = 0; i < rq->header_count; i++) t->headers = curl_slist_append(t->headers, rq->headers[i]);
    if (t->headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
    for (int i = 0; i < rq->resolve_count; i++) t->resolve = curl_slist_append(t->resolve, rq->resolve[i]);
    if (t->resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, t->resolve);

    if (curl_multi_add_handle(m->multi, h) != CURLM_OK) {
        curl_easy_cleanup(h);
        transfer_free(t);
        return -1;
    }
    link_transfer(m, t);
    return 0;
}

/* Hands every finished transfer to `done`. */
static void drain_finished(sieve_multi *m, sieve_multi_done_cb done) {
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *h = msg->easy_handle;
        transfer *t = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&t);
        t->result.code = (int)msg->data.result;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t->result.http_status);
        curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &t->result.redirect_count);
        curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &t->result.total_time);
        char *eff = NULL;
        curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
        if (eff) strncpy(t->result.effective_url, eff, sizeof(t->result.effective_url) - 1);
        curl_multi_remove_handle(m->multi, h);
        curl_easy_cleanup(h);
        unlink_transfer(m, t);
        done(t->userdata, &t->result, t->blocked, t->exceeded);
        transfer_free(t);
    }
}

int sieve_multi_poll(sieve_multi *m, int timeout_ms, sieve_multi_done_cb done) {
    int running = 0;
    if (curl_multi_perform(m->multi, &running) != CURLM_OK) return -1;
    /* A transfer can finish in this first perform (its whole answer was already in the socket buffer): hand it
       over now, not after the poll below has waited for sockets that will never speak again (up to timeout_ms). */
    drain_finished(m, done);
    int numfds = 0;
    if (curl_multi_poll(m->multi, NULL, 0, timeout_ms, &numfds) != CURLM_OK) return -1;
    if (curl_multi_perform(m->multi, &running) != CURLM_OK) return -1;
    drain_finished(m, done);
    return running;
}

void sieve_multi_wakeup(sieve_multi *m) { curl_multi_wakeup(m->multi); }
