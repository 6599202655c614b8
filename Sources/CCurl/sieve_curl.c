#include "sieve_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t sieve_curl_once = PTHREAD_ONCE_INIT;
static void sieve_curl_do_init(void) { curl_global_init(CURL_GLOBAL_ALL); }

void sieve_curl_global_init(void) { pthread_once(&sieve_curl_once, sieve_curl_do_init); }

const char *sieve_curl_strerror(int code) { return curl_easy_strerror((CURLcode)code); }

const char *sieve_curl_version(void) { return curl_version(); }

#include <malloc.h>
void sieve_malloc_arena_max(int n) { mallopt(M_ARENA_MAX, n); }

#include <errno.h>
#include <sys/timex.h>
int sieve_clock_synchronised(long *esterror) {
    struct timex tx;
    memset(&tx, 0, sizeof tx);  /* modes = 0: read only */
    int state = adjtimex(&tx);
    if (state < 0) return -errno;
    if (esterror) *esterror = tx.esterror;
    return (state == TIME_ERROR || (tx.status & STA_UNSYNC)) ? 0 : 1;
}
