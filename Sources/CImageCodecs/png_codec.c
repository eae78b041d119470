/*
 * png_codec.c — PNG via libpng's simplified png_image API.
 *
 * The simplified API handles its own setjmp/longjmp internally and reports failures through
 * png_image.message, so no custom error manager is needed here.
 */
#include "colad_codecs.h"
#include "codec_common.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

int colad_png_decode(const unsigned char *data, size_t size,
                     int *width, int *height, unsigned char **pixels,
                     char *err, size_t errlen) {
    if (data == NULL || width == NULL || height == NULL || pixels == NULL)
        return colad_fail(err, errlen, COLAD_CODEC_BAD_ARGUMENT, "null argument");
    *pixels = NULL;

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size))
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "not a readable PNG: %s", image.message);
    if (!colad_dims_ok(image.width, image.height)) {
        png_image_free(&image);
        return colad_fail(err, errlen, COLAD_CODEC_TOO_LARGE, "PNG dimensions %ux%u are too large",
                          (unsigned)image.width, (unsigned)image.height);
    }

    /* Read as RGBA so that alpha is never composited, then drop the alpha byte. */
    image.format = PNG_FORMAT_RGBA;
    size_t count = (size_t)image.width * image.height;
    unsigned char *rgba = malloc(count * 4);
    if (rgba == NULL) {
        png_image_free(&image);
        return colad_fail(err, errlen, COLAD_CODEC_NO_MEMORY, "out of memory");
    }
    if (!png_image_finish_read(&image, NULL, rgba, 0, NULL)) {
        free(rgba);
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "corrupt or truncated PNG: %s", image.message);
    }
    unsigned char *rgb = malloc(count * 3);
    if (rgb == NULL) {
        free(rgba);
        return colad_fail(err, errlen, COLAD_CODEC_NO_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        rgb[3 * i] = rgba[4 * i];
        rgb[3 * i + 1] = rgba[4 * i + 1];
        rgb[3 * i + 2] = rgba[4 * i + 2];
    }
    free(rgba);
    *width = (int)image.width;
    *height = (int)image.height;
    *pixels = rgb;
    return COLAD_CODEC_OK;
}

int colad_png_encode(const unsigned char *pixels, int width, int height,
                     unsigned char **out, size_t *outSize,
                     char *err, size_t errlen) {
    if (pixels == NULL || out == NULL || outSize == NULL)
        return colad_fail(err, errlen, COLAD_CODEC_BAD_ARGUMENT, "null argument");
    if (!colad_dims_ok(width, height))
        return colad_fail(err, errlen, COLAD_CODEC_BAD_ARGUMENT, "invalid dimensions %dx%d", width, height);
    *out = NULL;

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    image.flags = PNG_IMAGE_FLAG_FAST;  /* no filtering, zlib level 3: several times faster */

    size_t needed = 0;
    if (!png_image_write_get_memory_size(image, needed, 0, pixels, 0, NULL))
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "PNG encoding failed: %s", image.message);
    unsigned char *buffer = malloc(needed);
    if (buffer == NULL)
        return colad_fail(err, errlen, COLAD_CODEC_NO_MEMORY, "out of memory");
    if (!png_image_write_to_memory(&image, buffer, &needed, 0, pixels, 0, NULL)) {
        free(buffer);
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "PNG encoding failed: %s", image.message);
    }
    *out = buffer;
    *outSize = needed;
    return COLAD_CODEC_OK;
}

void colad_free(void *buffer) { free(buffer); }
