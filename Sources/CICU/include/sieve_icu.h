#ifndef SIEVE_ICU_H
#define SIEVE_ICU_H

#include <stdint.h>

/// A small C API over ICU. Swift never sees <unicode/*.h>: Foundation on Linux ships its own
/// ICU module, and the system headers' renamed symbols (ubrk_open_72 …) clash with it.
/// All functions are thread-safe; ICU objects are cached per thread.
/// Lengths are in UTF-16 code units unless stated. Negative return values are -UErrorCode.

/// Word boundaries of `text` (locale zh_TW, ICU's dictionary-based break for CJK).
/// Writes up to `cap` boundary offsets to `bounds` (always starting with 0 and ending with `len`) and, for each
/// segment i (between bounds[i] and bounds[i+1]), its rule status to `status[i]`
/// (0 = none/punctuation/space, 100 = number, 200 = letter, 300 = kana, 400 = ideographic).
/// Returns the number of boundaries; if larger than `cap`, call again with a larger buffer.
int32_t sieve_icu_word_bounds(const uint16_t *text, int32_t len, int32_t *bounds, int32_t *status, int32_t cap);

/// NFKC normalisation. Returns the length needed; if larger than `cap`, nothing useful was written.
int32_t sieve_icu_nfkc(const uint16_t *src, int32_t len, uint16_t *dst, int32_t cap);

/// 1 when `src` is already NFKC (a fast check that usually avoids normalising at all), 0 when not, negative on error.
int32_t sieve_icu_is_nfkc(const uint16_t *src, int32_t len);

/// Applies the ICU transliterator `id` (e.g. "Traditional-Simplified") in place.
/// `cap` is the buffer's capacity. Returns the new length (negative on error).
int32_t sieve_icu_transliterate(const char *id, uint16_t *buf, int32_t len, int32_t cap);

/// Converts `src` in charset `charset` (any ICU converter name or alias: "Big5", "cp950", "GB18030", …) to UTF-8.
/// Invalid sequences are replaced with U+FFFD. Returns the number of UTF-8 bytes needed
/// (call again with a larger buffer if > cap); -1 when the charset is unknown.
/// `*replaced` receives the number of substitutions made.
int32_t sieve_icu_to_utf8(const char *charset, const char *src, int32_t srclen, char *dst, int32_t cap, int32_t *replaced);

/// Canonical ICU name for a charset label, or NULL when ICU does not know it.
const char *sieve_icu_canonical_charset(const char *label);

/// 1 when code point `c` is of script Han (what \p{Han} matches in an ICU regular expression), else 0.
int32_t sieve_icu_is_han(int32_t c);

/// The ICU library's version ("72.1"), written NUL-terminated to `buf` (at least 20 bytes).
void sieve_icu_version(char *buf, int32_t cap);

#endif
