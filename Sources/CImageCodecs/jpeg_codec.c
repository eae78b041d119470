/*
 * jpeg_codec.c — JPEG via libjpeg(-turbo) with a setjmp error manager.
 *
 * libjpeg reports fatal errors by calling error_exit, which by default prints and exits. We
 * install an error manager that formats the message and longjmps back to the setjmp in the
 * same C function, so errors become return codes and never unwind Swift frames. Warnings are
 * silenced; "premature end of JPEG file" is remembered and reported as truncation.
 */
#include "colad_codecs.h"
#include "codec_common.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;  /* must be first: libjpeg sees only this part */
    jmp_buf jump;
    int truncated;
    char message[JMSG_LENGTH_MAX];
} colad_jpeg_error;

static void colad_jpeg_error_exit(j_common_ptr cinfo) {
    colad_jpeg_error *e = (colad_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void colad_jpeg_emit_message(j_common_ptr cinfo, int level) {
    colad_jpeg_error *e = (colad_jpeg_error *)cinfo->err;
    if (level < 0) {  /* warning */
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) e->truncated = 1;
    }
}

static void colad_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void colad_jpeg_install(colad_jpeg_error *e, struct jpeg_error_mgr **slot) {
    memset(e, 0, sizeof *e);
    *slot = jpeg_std_error(&e->base);
    e->base.error_exit = colad_jpeg_error_exit;
    e->base.emit_message = colad_jpeg_emit_message;
    e->base.output_message = colad_jpeg_output_message;
}

int colad_jpeg_decode(const unsigned char *data, size_t size,
                      int *width, int *height, unsigned char **pixels,
                      char *err, size_t errlen) {
    if (data == NULL || width == NULL || height == NULL || pixels == NULL)
        return colad_fail(err, errlen, COLAD_CODEC_BAD_ARGUMENT, "null argument");
    *pixels = NULL;

    struct jpeg_decompress_struct cinfo;
    colad_jpeg_error jerr;
    colad_jpeg_install(&jerr, &cinfo.err);
    /* Written after setjmp and read after longjmp, hence volatile. */
    unsigned char *volatile rgb = NULL;
    unsigned char *volatile cmykRow = NULL;

    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(rgb);
        free(cmykRow);
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "corrupt JPEG: %s", jerr.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (!colad_dims_ok(cinfo.image_width, cinfo.image_height)) {
        jpeg_destroy_decompress(&cinfo);
        return colad_fail(err, errlen, COLAD_CODEC_TOO_LARGE, "JPEG dimensions %ux%u are too large",
                          (unsigned)cinfo.image_width, (unsigned)cinfo.image_height);
    }
    /* libjpeg converts gray and YCbCr to RGB itself; CMYK/YCCK is converted below. */
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);

    size_t w = cinfo.output_width, h = cinfo.output_height;
    rgb = malloc(w * h * 3);
    if (cmyk) cmykRow = malloc(w * 4);
    if (rgb == NULL || (cmyk && cmykRow == NULL)) {
        jpeg_destroy_decompress(&cinfo);
        free(rgb);
        free(cmykRow);
        return colad_fail(err, errlen, COLAD_CODEC_NO_MEMORY, "out of memory");
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        size_t y = cinfo.output_scanline;
        JSAMPROW row = cmyk ? cmykRow : rgb + y * w * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (cmyk) {
            /* Adobe CMYK JPEGs store inverted values: R = C*K/255 etc. */
            unsigned char *dst = rgb + y * w * 3;
            for (size_t x = 0; x < w; x++) {
                unsigned k = cmykRow[4 * x + 3];
                for (int c = 0; c < 3; c++) dst[3 * x + c] = (unsigned char)((cmykRow[4 * x + c] * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(cmykRow);

    if (jerr.truncated) {
        free(rgb);
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "truncated JPEG: premature end of data");
    }
    *width = (int)w;
    *height = (int)h;
    *pixels = rgb;
    return COLAD_CODEC_OK;
}

int colad_jpeg_encode(const unsigned char *pixels, int width, int height, int quality,
                      unsigned char **out, size_t *outSize,
                      char *err, size_t errlen) {
    if (pixels == NULL || out == NULL || outSize == NULL)
        return colad_fail(err, errlen, COLAD_CODEC_BAD_ARGUMENT, "null argument");
    if (!colad_dims_ok(width, height) || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
        return colad_fail(err, errlen, COLAD_CODEC_BAD_ARGUMENT, "invalid dimensions %dx%d", width, height);
    *out = NULL;

    struct jpeg_compress_struct cinfo;
    colad_jpeg_error jerr;
    colad_jpeg_install(&jerr, &cinfo.err);
    /* Address-taken, so kept in memory across longjmp; libjpeg mallocs/reallocs it. */
    unsigned char *buffer = NULL;
    unsigned long bufferSize = 0;

    if (setjmp(jerr.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return colad_fail(err, errlen, COLAD_CODEC_CORRUPT, "JPEG encoding failed: %s", jerr.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &bufferSize);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *outSize = (size_t)bufferSize;
    return COLAD_CODEC_OK;
}
