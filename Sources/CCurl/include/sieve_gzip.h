#ifndef SIEVE_GZIP_H
#define SIEVE_GZIP_H

#include <stddef.h>
#include <stdint.h>

/// Why `sieve_gunzip` stopped.
enum {
    SIEVE_GZIP_OK = 0,
    SIEVE_GZIP_TOO_LARGE = 1,  ///< the output would exceed `cap` (a gzip bomb, or just too big)
    SIEVE_GZIP_CORRUPT = 2,    ///< not gzip, bad header, bad data or bad checksum
    SIEVE_GZIP_TRUNCATED = 3,  ///< the input ended inside the stream
    SIEVE_GZIP_NO_MEMORY = 4,
};

/// Decompresses a gzip body (one or more concatenated members) into `out`, never writing more than `cap`
/// bytes. Returns the number of bytes written and sets `*err` to one of the SIEVE_GZIP_* codes; on an error
/// the bytes written so far are not a complete document. `out` may be NULL only when `cap` is 0.
size_t sieve_gunzip(const uint8_t *in, size_t inlen, uint8_t *out, size_t cap, int *err);

#endif
