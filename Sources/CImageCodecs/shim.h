// libpng's simplified API (Debian libpng-dev): no setjmp, no callbacks.
#ifndef USHER_CIMAGECODECS_SHIM_H
#define USHER_CIMAGECODECS_SHIM_H
#include <stdio.h>
#include <string.h>
#include <png.h>

/// Writes a 1-bit grayscale PNG (0 = black): `rows` holds `height` rows of
/// `(width + 7) / 8` bytes, most significant bit first. Eight times less data to
/// deflate than 8-bit gray, which is what makes bulk QR export fast.
/// libpng reports errors by longjmp, so the setjmp lives here, in C.
static inline int usher_write_bilevel_png(const char *path, const unsigned char *rows, unsigned width, unsigned height) {
    FILE *file = fopen(path, "wb");
    if (!file) return 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return 0;
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, width, height, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (width + 7) / 8;
    for (unsigned y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rows + y * stride));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(file) == 0;
}
#endif
