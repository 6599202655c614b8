#include "sieve_gzip.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

/* zlib counts in uInt; feed it at most this much at a time so huge buffers work on every platform. */
#define SIEVE_CHUNK ((size_t)1 << 30)

size_t sieve_gunzip(const uint8_t *in, size_t inlen, uint8_t *out, size_t cap, int *err) {
    int dummy;
    if (err == NULL) err = &dummy;
    *err = SIEVE_GZIP_OK;
    if (in == NULL || inlen < 2 || in[0] != 0x1f || in[1] != 0x8b) {
        *err = SIEVE_GZIP_CORRUPT;
        return 0;
    }

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* 16 + MAX_WBITS: gzip wrapper only (header and CRC-32/ISIZE trailer are checked). */
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        *err = SIEVE_GZIP_NO_MEMORY;
        return 0;
    }

    size_t in_pos = 0, out_pos = 0;
    int status = Z_OK;
    for (;;) {
        if (zs.avail_in == 0 && in_pos < inlen) {
            size_t n = inlen - in_pos < SIEVE_CHUNK ? inlen - in_pos : SIEVE_CHUNK;
            zs.next_in = (Bytef *)(in + in_pos);
            zs.avail_in = (uInt)n;
            in_pos += n;
        }
        uint8_t scratch[1];
        int probing = out_pos >= cap;
        if (probing) {
            /* The buffer is full: any further output means the document is larger than the cap. */
            zs.next_out = scratch;
            zs.avail_out = 1;
        } else {
            size_t room = cap - out_pos < SIEVE_CHUNK ? cap - out_pos : SIEVE_CHUNK;
            zs.next_out = out + out_pos;
            zs.avail_out = (uInt)room;
        }
        uInt before = zs.avail_out;
        status = inflate(&zs, Z_NO_FLUSH);
        size_t produced = before - zs.avail_out;
        if (probing && produced > 0) {
            *err = SIEVE_GZIP_TOO_LARGE;
            break;
        }
        if (!probing) out_pos += produced;

        if (status == Z_STREAM_END) {
            /* Another gzip member may follow (concatenated .gz files are valid); trailing zero padding is
               tolerated, anything else after the last member is ignored like gzip(1) does with a warning. */
            size_t rest = zs.avail_in + (inlen - in_pos);
            const uint8_t *next = zs.next_in;
            if (rest >= 2 && next[0] == 0x1f && next[1] == 0x8b) {
                if (inflateReset(&zs) != Z_OK) {
                    *err = SIEVE_GZIP_CORRUPT;
                    break;
                }
                continue;
            }
            break;
        }
        if (status == Z_NEED_DICT || status == Z_DATA_ERROR || status == Z_STREAM_ERROR) {
            *err = SIEVE_GZIP_CORRUPT;
            break;
        }
        if (status == Z_MEM_ERROR) {
            *err = SIEVE_GZIP_NO_MEMORY;
            break;
        }
        if (status == Z_BUF_ERROR || (status == Z_OK && produced == 0 && zs.avail_in == 0)) {
            /* No progress possible: either the input is used up (truncated) or zlib needs more room. */
            if (zs.avail_in == 0 && in_pos >= inlen) {
                *err = SIEVE_GZIP_TRUNCATED;
                break;
            }
        }
    }
    inflateEnd(&zs);
    return out_pos;
}
