#include "sieve_icu.h"

#include <string.h>
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/utrans.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>
#include <unicode/uscript.h>

static __thread UBreakIterator *tls_word_break = NULL;

int32_t sieve_icu_word_bounds(const uint16_t *text, int32_t len, int32_t *bounds, int32_t *status, int32_t cap) {
    UErrorCode err = U_ZERO_ERROR;
    if (tls_word_break == NULL) {
        tls_word_break = ubrk_open(UBRK_WORD, "zh_TW", NULL, 0, &err);
        if (U_FAILURE(err)) { tls_word_break = NULL; return -(int32_t)err; }
    }
    ubrk_setText(tls_word_break, (const UChar *)text, len, &err);
    if (U_FAILURE(err)) return -(int32_t)err;
    int32_t n = 0;
    int32_t pos = ubrk_first(tls_word_break);
    if (n < cap) bounds[n] = pos;
    n++;
    while ((pos = ubrk_next(tls_word_break)) != UBRK_DONE) {
        if (n < cap) {
            bounds[n] = pos;
            if (status) status[n - 1] = ubrk_getRuleStatus(tls_word_break);
        }
        n++;
    }
    return n;
}

int32_t sieve_icu_nfkc(const uint16_t *src, int32_t len, uint16_t *dst, int32_t cap) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&err);
    if (U_FAILURE(err)) return -(int32_t)err;
    int32_t n = unorm2_normalize(nfkc, (const UChar *)src, len, (UChar *)dst, cap, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR || err == U_STRING_NOT_TERMINATED_WARNING) return n;
    if (U_FAILURE(err)) return -(int32_t)err;
    return n;
}

int32_t sieve_icu_is_nfkc(const uint16_t *src, int32_t len) {
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&err);
    if (U_FAILURE(err)) return -(int32_t)err;
    UBool yes = unorm2_isNormalized(nfkc, (const UChar *)src, len, &err);
    if (U_FAILURE(err)) return -(int32_t)err;
    return yes ? 1 : 0;
}

typedef struct { char id[64]; UTransliterator *t; } trans_slot;
static __thread trans_slot tls_trans[4];

int32_t sieve_icu_transliterate(const char *id, uint16_t *buf, int32_t len, int32_t cap) {
    UTransliterator *t = NULL;
    int free_slot = -1;
    for (int i = 0; i < 4; i++) {
        if (tls_trans[i].t && strcmp(tls_trans[i].id, id) == 0) { t = tls_trans[i].t; break; }
        if (!tls_trans[i].t && free_slot < 0) free_slot = i;
    }
    UErrorCode err = U_ZERO_ERROR;
    if (t == NULL) {
        UChar uid[64];
        u_uastrncpy(uid, id, 63);
        uid[63] = 0;
        t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
        if (U_FAILURE(err)) return -(int32_t)err;
        if (free_slot >= 0) {
            strncpy(tls_trans[free_slot].id, id, 63);
            tls_trans[free_slot].t = t;
        }
    }
    int32_t limit = len;
    int32_t textLength = len;
    utrans_transUChars(t, (UChar *)buf, &textLength, cap, 0, &limit, &err);
    if (free_slot < 0 && t != NULL) {
        int cached = 0;
        for (int i = 0; i < 4; i++) if (tls_trans[i].t == t) cached = 1;
        if (!cached) utrans_close(t);
    }
    if (U_FAILURE(err)) return -(int32_t)err;
    return textLength;
}

typedef struct { int32_t count; } sub_counter;

static void count_substitutions(const void *context, UConverterToUnicodeArgs *args, const char *codeUnits,
                                int32_t length, UConverterCallbackReason reason, UErrorCode *err) {
    if (reason == UCNV_ILLEGAL || reason == UCNV_IRREGULAR || reason == UCNV_UNASSIGNED) {
        ((sub_counter *)context)->count++;
    }
    UCNV_TO_U_CALLBACK_SUBSTITUTE(NULL, args, codeUnits, length, reason, err);
}

int32_t sieve_icu_to_utf8(const char *charset, const char *src, int32_t srclen, char *dst, int32_t cap, int32_t *replaced) {
    UErrorCode err = U_ZERO_ERROR;
    UConverter *from = ucnv_open(charset, &err);
    if (U_FAILURE(err)) return -1;
    UConverter *to = ucnv_open("UTF-8", &err);
    if (U_FAILURE(err)) { ucnv_close(from); return -1; }
    sub_counter counter = {0};
    ucnv_setToUCallBack(from, count_substitutions, &counter, NULL, NULL, &err);
    /* Pivot through UTF-16: a simple two-pass conversion keeps the code obvious. */
    int32_t ucap = srclen * 2 + 16;
    UChar *u = (UChar *)malloc(sizeof(UChar) * (size_t)ucap);
    if (!u) { ucnv_close(from); ucnv_close(to); return -2; }
    int32_t ulen = ucnv_toUChars(from, u, ucap, src, srclen, &err);
    if (U_FAILURE(err)) { free(u); ucnv_close(from); ucnv_close(to); return -(int32_t)err; }
    err = U_ZERO_ERROR;
    int32_t outlen = ucnv_fromUChars(to, dst, cap, u, ulen, &err);
    free(u);
    ucnv_close(from);
    ucnv_close(to);
    if (replaced) *replaced = counter.count;
    if (err == U_BUFFER_OVERFLOW_ERROR || err == U_STRING_NOT_TERMINATED_WARNING) return outlen;
    if (U_FAILURE(err)) return -(int32_t)err;
    return outlen;
}

const char *sieve_icu_canonical_charset(const char *label) {
    UErrorCode err = U_ZERO_ERROR;
    const char *name = ucnv_getCanonicalName(label, "WHATWG", &err);
    if (name == NULL || U_FAILURE(err)) {
        err = U_ZERO_ERROR;
        name = ucnv_getAlias(label, 0, &err);
        if (U_FAILURE(err)) return NULL;
    }
    return name;
}

#include <unicode/uversion.h>

void sieve_icu_version(char *buf, int32_t cap) {
    if (!buf || cap <= 0) return;
    UVersionInfo v;
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(v);
    u_versionToString(v, text);
    strncpy(buf, text, (size_t)cap - 1);
    buf[cap - 1] = 0;
}

int32_t sieve_icu_is_han(int32_t c) {
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript((UChar32)c, &err);
    return U_SUCCESS(err) && script == USCRIPT_HAN ? 1 : 0;
}
