#include "sieve_ocr.h"

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tesseract is loaded with dlopen on first use, not linked: Debian builds it with OpenMP, and libgomp reads
 * OMP_THREAD_LIMIT once, when it is loaded. Linked, it would load before main with a thread team per recognition;
 * Sieve runs one engine per core instead, and the team's threads spinning on 2 cores made reading 4.4x slower
 * (measured: 2.6 against 11.7 pictures/s). Loading it here, after setting OMP_THREAD_LIMIT=1 (unless the operator
 * set it), fixes that; and a machine without Tesseract still runs everything but OCR. */
static struct {
    TessBaseAPI *(*create)(void);
    int (*init2)(TessBaseAPI *, const char *, const char *, TessOcrEngineMode);
    BOOL (*set_variable)(TessBaseAPI *, const char *, const char *);
    void (*end)(TessBaseAPI *);
    void (*destroy)(TessBaseAPI *);
    void (*set_page_seg_mode)(TessBaseAPI *, TessPageSegMode);
    void (*set_image2)(TessBaseAPI *, struct Pix *);
    void (*set_source_resolution)(TessBaseAPI *, int);
    char *(*get_utf8_text)(TessBaseAPI *);
    int (*mean_text_conf)(TessBaseAPI *);
    void (*clear)(TessBaseAPI *);
    void (*delete_text)(const char *);
    const char *(*version)(void);
} tess;
static char tess_error[256];
static pthread_once_t tess_once = PTHREAD_ONCE_INIT;

static void load_tesseract(void) {
    setenv("OMP_THREAD_LIMIT", "1", 0);
    void *h = dlopen("libtesseract.so.5", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) h = dlopen("libtesseract.so", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(tess_error, sizeof tess_error, "libtesseract cannot be loaded (%s; Debian: apt-get install libtesseract5)", dlerror());
        return;
    }
#define LOAD(field, name)                                                                                   \
    *(void **)(&tess.field) = dlsym(h, name);                                                               \
    if (tess.field == NULL) {                                                                               \
        snprintf(tess_error, sizeof tess_error, "libtesseract has no %s (too old a version?)", name);       \
        return;                                                                                             \
    }
    LOAD(create, "TessBaseAPICreate")
    LOAD(init2, "TessBaseAPIInit2")
    LOAD(set_variable, "TessBaseAPISetVariable")
    LOAD(end, "TessBaseAPIEnd")
    LOAD(destroy, "TessBaseAPIDelete")
    LOAD(set_page_seg_mode, "TessBaseAPISetPageSegMode")
    LOAD(set_image2, "TessBaseAPISetImage2")
    LOAD(set_source_resolution, "TessBaseAPISetSourceResolution")
    LOAD(get_utf8_text, "TessBaseAPIGetUTF8Text")
    LOAD(mean_text_conf, "TessBaseAPIMeanTextConf")
    LOAD(clear, "TessBaseAPIClear")
    LOAD(delete_text, "TessDeleteText")
    LOAD(version, "TessVersion")
#undef LOAD
}

/* NULL when Tesseract is usable, else why not. */
static const char *tesseract_missing(void) {
    pthread_once(&tess_once, load_tesseract);
    return tess_error[0] ? tess_error : NULL;
}

struct sieve_ocr {
    TessBaseAPI *api;
};

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void quiet_handler(const char *message) { (void)message; }

/* Leptonica prints every failed read to stderr; the caller gets the error as a value instead. */
static void quiet(void) {
    setMsgSeverity(L_SEVERITY_NONE);
    leptSetStderrHandler(quiet_handler);
}

static void set_error(char *err, size_t errlen, const char *message) {
    if (err && errlen > 0) snprintf(err, errlen, "%s", message);
}

static const char *format_name(l_int32 format) {
    switch (format) {
    case IFF_BMP: return "BMP";
    case IFF_JFIF_JPEG: return "JPEG";
    case IFF_PNG: return "PNG";
    case IFF_GIF: return "GIF";
    case IFF_WEBP: return "WebP";
    case IFF_PNM: return "PNM";
    case IFF_TIFF: case IFF_TIFF_PACKBITS: case IFF_TIFF_RLE: case IFF_TIFF_G3: case IFF_TIFF_G4:
    case IFF_TIFF_LZW: case IFF_TIFF_ZIP: case IFF_TIFF_JPEG: return "TIFF";
    default: return NULL;
    }
}

int sieve_image_probe(const uint8_t *bytes, size_t length, int *width, int *height, char *err, size_t errlen) {
    pthread_once(&quiet_once, quiet);
    l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
    if (bytes == NULL || length < 8) {
        set_error(err, errlen, "not an image (fewer than 8 bytes)");
        return SIEVE_IMAGE_UNKNOWN_FORMAT;
    }
    /* findFileFormatBuffer reads the magic bytes only. */
    if (findFileFormatBuffer(bytes, &format) != 0 || format_name(format) == NULL) {
        set_error(err, errlen, "not a PNG, JPEG, GIF, WebP, TIFF, BMP or PNM image");
        return SIEVE_IMAGE_UNKNOWN_FORMAT;
    }
    if (pixReadHeaderMem(bytes, length, &format, &w, &h, &bps, &spp, &cmap) != 0 || w <= 0 || h <= 0) {
        char m[128];
        snprintf(m, sizeof m, "a %s whose header cannot be read", format_name(format));
        set_error(err, errlen, m);
        return SIEVE_IMAGE_DECODE_FAILED;
    }
    if (width) *width = w;
    if (height) *height = h;
    if (w > SIEVE_IMAGE_MAX_SIDE || h > SIEVE_IMAGE_MAX_SIDE || (long)w * (long)h > SIEVE_IMAGE_MAX_PIXELS) {
        char m[160];
        snprintf(m, sizeof m, "a %s of %d x %d pixels (limit %d a side, %ld million in all)", format_name(format), w, h,
                 SIEVE_IMAGE_MAX_SIDE, SIEVE_IMAGE_MAX_PIXELS / 1000000L);
        set_error(err, errlen, m);
        return SIEVE_IMAGE_TOO_LARGE;
    }
    return SIEVE_IMAGE_OK;
}

/* Decoded and converted to 8-bit gray, or NULL with an error code. */
static PIX *decode_gray(const uint8_t *bytes, size_t length, int *code, char *err, size_t errlen) {
    int w = 0, h = 0;
    *code = sieve_image_probe(bytes, length, &w, &h, err, errlen);
    if (*code != SIEVE_IMAGE_OK) return NULL;
    PIX *pix = pixReadMem(bytes, length);
    if (pix == NULL) {
        set_error(err, errlen, "the image's pixels cannot be decoded (truncated or corrupt)");
        *code = SIEVE_IMAGE_DECODE_FAILED;
        return NULL;
    }
    /* A multi-frame GIF/TIFF yields its first frame; a header that lied about the size is caught here too. */
    if ((long)pixGetWidth(pix) * (long)pixGetHeight(pix) > SIEVE_IMAGE_MAX_PIXELS) {
        pixDestroy(&pix);
        set_error(err, errlen, "the decoded image is larger than its header said");
        *code = SIEVE_IMAGE_TOO_LARGE;
        return NULL;
    }
    PIX *gray = NULL;
    if (pixGetDepth(pix) == 32) {
        /* Alpha over white: a transparent screenshot reads as on a white page, not on black. */
        PIX *flat = pixGetSpp(pix) == 4 ? pixAlphaBlendUniform(pix, 0xffffff00) : NULL;
        gray = pixConvertRGBToLuminance(flat ? flat : pix);
        if (flat) pixDestroy(&flat);
    } else {
        gray = pixConvertTo8(pix, 0);
    }
    pixDestroy(&pix);
    if (gray == NULL) {
        set_error(err, errlen, "the image cannot be converted to grayscale");
        *code = SIEVE_IMAGE_DECODE_FAILED;
    }
    return gray;
}

int sieve_image_gray(const uint8_t *bytes, size_t length, uint8_t **out, int *width, int *height, char *err, size_t errlen) {
    int code = SIEVE_IMAGE_OK;
    PIX *gray = decode_gray(bytes, length, &code, err, errlen);
    if (gray == NULL) return code;
    int w = pixGetWidth(gray), h = pixGetHeight(gray), wpl = pixGetWpl(gray);
    uint8_t *buffer = malloc((size_t)w * (size_t)h);
    if (buffer == NULL) {
        pixDestroy(&gray);
        set_error(err, errlen, "out of memory");
        return SIEVE_IMAGE_TOO_LARGE;
    }
    l_uint32 *data = pixGetData(gray);
    for (int y = 0; y < h; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++) buffer[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)GET_DATA_BYTE(line, x);
    }
    pixDestroy(&gray);
    *out = buffer;
    *width = w;
    *height = h;
    return SIEVE_IMAGE_OK;
}

/* A Leptonica 8-bit picture of the caller's pixels, or NULL with the error set. */
static PIX *pix_from_gray(const uint8_t *pixels, int width, int height, int *code, char *err, size_t errlen) {
    if (width <= 0 || height <= 0 || (long)width * (long)height > SIEVE_IMAGE_MAX_PIXELS) {
        set_error(err, errlen, "bad pixel size");
        *code = SIEVE_IMAGE_TOO_LARGE;
        return NULL;
    }
    PIX *gray = pixCreate(width, height, 8);
    if (gray == NULL) {
        set_error(err, errlen, "out of memory");
        *code = SIEVE_IMAGE_TOO_LARGE;
        return NULL;
    }
    l_uint32 *data = pixGetData(gray);
    int wpl = pixGetWpl(gray);
    for (int y = 0; y < height; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < width; x++) SET_DATA_BYTE(line, x, pixels[(size_t)y * (size_t)width + (size_t)x]);
    }
    return gray;
}

int sieve_image_encode_gray(const uint8_t *pixels, int width, int height, int format, int quality, uint8_t **out,
                            size_t *length, char *err, size_t errlen) {
    pthread_once(&quiet_once, quiet);
    int code = SIEVE_IMAGE_OK;
    PIX *gray = pix_from_gray(pixels, width, height, &code, err, errlen);
    if (gray == NULL) return code;
    l_uint8 *data = NULL;
    size_t size = 0;
    l_ok failed = 1;
    if (format == 1) failed = pixWriteMemJpeg(&data, &size, gray, quality, 0);
    else if (format == 2) failed = pixWriteMemPnm(&data, &size, gray);
    else failed = pixWriteMemPng(&data, &size, gray, 0.0f);
    pixDestroy(&gray);
    if (failed || data == NULL) {
        set_error(err, errlen, "the image could not be encoded");
        return SIEVE_IMAGE_DECODE_FAILED;
    }
    /* Leptonica allocates with its own allocator; hand back a malloc'd copy. */
    uint8_t *copy = malloc(size);
    if (copy) memcpy(copy, data, size);
    lept_free(data);
    if (copy == NULL) {
        set_error(err, errlen, "out of memory");
        return SIEVE_IMAGE_TOO_LARGE;
    }
    *out = copy;
    *length = size;
    return SIEVE_IMAGE_OK;
}

sieve_ocr *sieve_ocr_new(const char *datapath, const char *languages, char *err, size_t errlen) {
    pthread_once(&quiet_once, quiet);
    const char *missing = tesseract_missing();
    if (missing) {
        set_error(err, errlen, missing);
        return NULL;
    }
    TessBaseAPI *api = tess.create();
    if (api == NULL) {
        set_error(err, errlen, "Tesseract could not be created");
        return NULL;
    }
    /* OEM_LSTM_ONLY: Debian's chi_tra/chi_sim carry the LSTM model; the legacy engine is slower and worse on CJK. */
    if (tess.init2(api, datapath, languages, OEM_LSTM_ONLY) != 0) {
        char m[512];
        snprintf(m, sizeof m, "Tesseract cannot load the languages \"%s\" from %s (Debian: apt-get install tesseract-ocr-chi-tra "
                 "tesseract-ocr-chi-sim tesseract-ocr-eng)", languages, datapath ? datapath : "its default tessdata folder");
        set_error(err, errlen, m);
        tess.destroy(api);
        return NULL;
    }
    /* Chinese has no spaces between words: keep Tesseract from inventing them between CJK characters. */
    tess.set_variable(api, "preserve_interword_spaces", "1");
    tess.set_variable(api, "debug_file", "/dev/null");
    sieve_ocr *engine = calloc(1, sizeof *engine);
    if (engine == NULL) {
        tess.end(api);
        tess.destroy(api);
        set_error(err, errlen, "out of memory");
        return NULL;
    }
    engine->api = api;
    return engine;
}

void sieve_ocr_delete(sieve_ocr *engine) {
    if (engine == NULL) return;
    tess.end(engine->api);
    tess.destroy(engine->api);
    free(engine);
}

static int recognise(sieve_ocr *engine, PIX *gray, float scale, int page_mode, char **text, int *confidence, char *err,
                     size_t errlen) {
    PIX *input = gray;
    if (scale > 1.01f) {
        /* Never past the pixel limit: a large image is read as it is. */
        double w = pixGetWidth(gray) * (double)scale, h = pixGetHeight(gray) * (double)scale;
        if (w * h <= (double)SIEVE_IMAGE_MAX_PIXELS) input = pixScale(gray, scale, scale);
        if (input == NULL) input = gray;
    }
    tess.set_page_seg_mode(engine->api, (TessPageSegMode)page_mode);
    tess.set_image2(engine->api, input);
    tess.set_source_resolution(engine->api, 300);
    char *result = tess.get_utf8_text(engine->api);
    int conf = tess.mean_text_conf(engine->api);
    tess.clear(engine->api);
    if (input != gray) pixDestroy(&input);
    if (result == NULL) {
        set_error(err, errlen, "Tesseract returned no text (recognition failed)");
        return SIEVE_IMAGE_DECODE_FAILED;
    }
    *text = strdup(result);
    tess.delete_text(result);
    *confidence = conf < 0 ? 0 : conf;
    return *text ? SIEVE_IMAGE_OK : SIEVE_IMAGE_TOO_LARGE;
}

int sieve_ocr_read_gray(sieve_ocr *engine, const uint8_t *pixels, int width, int height, float scale, int page_mode,
                        char **text, int *confidence, char *err, size_t errlen) {
    int code = SIEVE_IMAGE_OK;
    PIX *gray = pix_from_gray(pixels, width, height, &code, err, errlen);
    if (gray == NULL) return code;
    code = recognise(engine, gray, scale, page_mode, text, confidence, err, errlen);
    pixDestroy(&gray);
    return code;
}

void sieve_ocr_free(void *pointer) { free(pointer); }

static char versions[160];
static pthread_once_t versions_once = PTHREAD_ONCE_INIT;

static void fill_versions(void) {
    char *lept = getLeptonicaVersion();
    snprintf(versions, sizeof versions, "tesseract %s, %s", tesseract_missing() ? "(not loaded)" : tess.version(),
             lept ? lept : "leptonica ?");
    if (lept) lept_free(lept);
}

const char *sieve_ocr_versions(void) {
    pthread_once(&versions_once, fill_versions);
    return versions;
}
