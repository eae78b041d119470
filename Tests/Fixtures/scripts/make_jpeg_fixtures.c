/*
 * Generates the JPEG fixtures under Tests/Fixtures/datasets/ with libjpeg itself:
 *
 *   gray_16x8.jpg  single-channel JPEG, every pixel 100            (decoder must return R=G=B=100)
 *   cmyk_16x8.jpg  Adobe-style CMYK JPEG, C=255 M=128 Y=128 K=200   (decoder must return 200,100,100)
 *
 * Build and run from the repository root:
 *   cc Tests/Fixtures/scripts/make_jpeg_fixtures.c -ljpeg -o /tmp/make_jpeg_fixtures && /tmp/make_jpeg_fixtures
 */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

static int write_jpeg(const char *path, int components, J_COLOR_SPACE space, const unsigned char *pixel) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) { perror(path); return 1; }
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = 16;
    c.image_height = 8;
    c.input_components = components;
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    if (space == JCS_CMYK) jpeg_set_colorspace(&c, JCS_CMYK);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[16 * 4];
    for (int x = 0; x < 16; x++)
        for (int k = 0; k < components; k++) row[x * components + k] = pixel[k];
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    return 0;
}

int main(void) {
    const unsigned char gray[1] = {100};
    const unsigned char cmyk[4] = {255, 128, 128, 200};  /* stored inverted, as Adobe does */
    return write_jpeg("Tests/Fixtures/datasets/gray_16x8.jpg", 1, JCS_GRAYSCALE, gray)
         | write_jpeg("Tests/Fixtures/datasets/cmyk_16x8.jpg", 4, JCS_CMYK, cmyk);
}
