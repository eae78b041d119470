/*
 * colad_codecs.h — minimal PNG/JPEG codecs for colad.
 *
 * All functions work on memory buffers and interleaved 8-bit RGB pixels (row-major, no row
 * padding). They never abort, print or longjmp into the caller: failures return a non-zero
 * COLAD_CODEC_* code and a NUL-terminated message in `err` (at most `errlen` bytes).
 *
 * Decoders convert every input layout to RGB8: grayscale is replicated to three channels and an
 * alpha channel is DROPPED (the stored colour values are kept, not composited on a background).
 * Buffers returned through `out`/`outSize` are malloc'd and must be released with colad_free.
 */
#ifndef COLAD_CODECS_H
#define COLAD_CODECS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes. */
enum {
    COLAD_CODEC_OK = 0,
    COLAD_CODEC_CORRUPT = 1,      /* malformed or truncated data */
    COLAD_CODEC_UNSUPPORTED = 2,  /* valid file using a feature we do not handle */
    COLAD_CODEC_TOO_LARGE = 3,    /* dimensions above COLAD_CODEC_MAX_PIXELS */
    COLAD_CODEC_NO_MEMORY = 4,
    COLAD_CODEC_BAD_ARGUMENT = 5
};

/* Largest accepted image (width * height); guards against absurd headers in corrupt files. */
#define COLAD_CODEC_MAX_PIXELS (1 << 28)

/* Decodes a PNG (any bit depth / colour type) into RGB8. On success *pixels holds
 * width*height*3 bytes. */
int colad_png_decode(const unsigned char *data, size_t size,
                     int *width, int *height, unsigned char **pixels,
                     char *err, size_t errlen);

/* Encodes RGB8 pixels as an 8-bit RGB PNG. */
int colad_png_encode(const unsigned char *pixels, int width, int height,
                     unsigned char **out, size_t *outSize,
                     char *err, size_t errlen);

/* Decodes a baseline/progressive JPEG (grayscale, YCbCr, CMYK/YCCK) into RGB8.
 * A truncated file ("premature end of JPEG file") is reported as COLAD_CODEC_CORRUPT. */
int colad_jpeg_decode(const unsigned char *data, size_t size,
                      int *width, int *height, unsigned char **pixels,
                      char *err, size_t errlen);

/* Encodes RGB8 pixels as a JPEG with the given quality (1...100, clamped). */
int colad_jpeg_encode(const unsigned char *pixels, int width, int height, int quality,
                      unsigned char **out, size_t *outSize,
                      char *err, size_t errlen);

/* Releases a buffer returned by one of the functions above. */
void colad_free(void *buffer);

#ifdef __cplusplus
}
#endif

#endif /* COLAD_CODECS_H */
