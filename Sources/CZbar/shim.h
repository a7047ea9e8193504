// zbar (Debian libzbar-dev). zbar_fourcc is a macro; Swift needs a function.
#ifndef USHER_CZBAR_SHIM_H
#define USHER_CZBAR_SHIM_H
#include <zbar.h>

static inline unsigned long usher_zbar_y800(void) { return zbar_fourcc('Y', '8', '0', '0'); }
#endif
