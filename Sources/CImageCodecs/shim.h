// libpng's simplified API (Debian libpng-dev): no setjmp, no callbacks.
#ifndef USHER_CIMAGECODECS_SHIM_H
#define USHER_CIMAGECODECS_SHIM_H
#include <string.h>
#include <png.h>

/// Writes 8-bit grayscale pixels (rows packed, `width` bytes each) as a PNG file.
/// Returns 1 on success, 0 on failure.
static inline int usher_write_gray_png(const char *path, const unsigned char *pixels, unsigned width, unsigned height) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = PNG_FORMAT_GRAY;
    int ok = png_image_write_to_file(&image, path, 0, pixels, 0, NULL);
    png_image_free(&image);
    return ok;
}
#endif
