// libpng (Debian libpng-dev) and TurboJPEG (libturbojpeg0-dev), wrapped so that
// Swift sees plain functions: no setjmp, no macros, errors as text.
#ifndef USHER_CIMAGECODECS_SHIM_H
#define USHER_CIMAGECODECS_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <turbojpeg.h>

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

/// Decodes a PNG (any bit depth, palette, alpha) to 8-bit gray through libpng's
/// simplified API. Returns a malloc'd buffer of width*height bytes (free it), or
/// NULL with `error` filled in. Images over `max_pixels` are refused before any
/// pixel memory is allocated.
static inline unsigned char *usher_png_to_gray(const unsigned char *data, size_t size, unsigned long max_pixels,
                                               unsigned *width, unsigned *height, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(error, error_size, "%s", image.message);
        return NULL;
    }
    if ((unsigned long)image.width * image.height > max_pixels) {
        snprintf(error, error_size, "image is %ux%u, too large", image.width, image.height);
        png_image_free(&image);
        return NULL;
    }
    image.format = PNG_FORMAT_GRAY;
    unsigned char *pixels = malloc(PNG_IMAGE_SIZE(image));
    if (!pixels) {
        snprintf(error, error_size, "out of memory");
        png_image_free(&image);
        return NULL;
    }
    if (!png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
        snprintf(error, error_size, "%s", image.message);
        free(pixels);
        png_image_free(&image);
        return NULL;
    }
    *width = image.width;
    *height = image.height;
    return pixels;
}

/// Decodes a JPEG to 8-bit gray with TurboJPEG. Same contract as usher_png_to_gray.
static inline unsigned char *usher_jpeg_to_gray(const unsigned char *data, size_t size, unsigned long max_pixels,
                                                unsigned *width, unsigned *height, char *error, size_t error_size) {
    tjhandle decoder = tjInitDecompress();
    if (!decoder) {
        snprintf(error, error_size, "cannot start the JPEG decoder");
        return NULL;
    }
    int w = 0, h = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(decoder, data, (unsigned long)size, &w, &h, &subsampling, &colorspace) != 0) {
        snprintf(error, error_size, "%s", tjGetErrorStr2(decoder));
        tjDestroy(decoder);
        return NULL;
    }
    if (w <= 0 || h <= 0 || (unsigned long)w * (unsigned long)h > max_pixels) {
        snprintf(error, error_size, "image is %dx%d, too large", w, h);
        tjDestroy(decoder);
        return NULL;
    }
    unsigned char *pixels = malloc((size_t)w * (size_t)h);
    if (!pixels) {
        snprintf(error, error_size, "out of memory");
        tjDestroy(decoder);
        return NULL;
    }
    if (tjDecompress2(decoder, data, (unsigned long)size, pixels, w, 0, h, TJPF_GRAY, 0) != 0
        && tjGetErrorCode(decoder) == TJERR_FATAL) {
        snprintf(error, error_size, "%s", tjGetErrorStr2(decoder));
        free(pixels);
        tjDestroy(decoder);
        return NULL;
    }
    tjDestroy(decoder);
    *width = (unsigned)w;
    *height = (unsigned)h;
    return pixels;
}
#endif
