#ifndef SIEVE_OCR_H
#define SIEVE_OCR_H

#include <stddef.h>
#include <stdint.h>

/* A thin shim over Tesseract's C API and Leptonica: Swift never sees their headers (their types and macros
 * are not needed above this line, and leptonica's allheaders.h is large). */

/* Limits checked on the image header before anything is decoded: a 1 KB PNG can claim 60,000 x 60,000 pixels. */
#define SIEVE_IMAGE_MAX_SIDE 16384
#define SIEVE_IMAGE_MAX_PIXELS 40000000L

/* Error codes (also set in *err as text). */
enum {
    SIEVE_IMAGE_OK = 0,
    SIEVE_IMAGE_UNKNOWN_FORMAT = 1,  /* not PNG, JPEG, GIF, WebP, TIFF, BMP or PNM */
    SIEVE_IMAGE_TOO_LARGE = 2,       /* over the limits above */
    SIEVE_IMAGE_DECODE_FAILED = 3,   /* header fine, pixels broken */
    SIEVE_OCR_INIT_FAILED = 4,       /* traineddata missing */
};

/* Reads the header only. Returns SIEVE_IMAGE_OK and the size, or an error code. */
int sieve_image_probe(const uint8_t *bytes, size_t length, int *width, int *height, char *err, size_t errlen);

/* Decodes to 8-bit grayscale (luminance). *out is malloc'd (width*height bytes), freed with sieve_ocr_free. */
int sieve_image_gray(const uint8_t *bytes, size_t length, uint8_t **out, int *width, int *height, char *err, size_t errlen);

/* Encodes 8-bit grayscale pixels: format 0 = PNG, 1 = JPEG (quality 1-100), 2 = PGM. *out malloc'd. */
int sieve_image_encode_gray(const uint8_t *pixels, int width, int height, int format, int quality, uint8_t **out,
                            size_t *length, char *err, size_t errlen);

typedef struct sieve_ocr sieve_ocr;

/* One Tesseract engine (not thread-safe: one caller at a time). languages like "chi_tra" or "chi_tra+eng".
 * datapath: the tessdata folder or NULL for the default. NULL on failure with the reason in err. */
sieve_ocr *sieve_ocr_new(const char *datapath, const char *languages, char *err, size_t errlen);
void sieve_ocr_delete(sieve_ocr *engine);

/* Reads the text in 8-bit grayscale pixels (decoded once by sieve_image_gray, also hashed). scale > 1 enlarges the
 * picture first. Returns SIEVE_IMAGE_OK with *text malloc'd (UTF-8; free with sieve_ocr_free), *confidence 0-100. */
int sieve_ocr_read_gray(sieve_ocr *engine, const uint8_t *pixels, int width, int height, float scale, int page_mode,
                        char **text, int *confidence, char *err, size_t errlen);

void sieve_ocr_free(void *pointer);

/* Versions of the libraries linked, e.g. "tesseract 5.3.0, leptonica-1.82.0". */
const char *sieve_ocr_versions(void);

#endif
