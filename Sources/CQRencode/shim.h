// libqrencode (Debian libqrencode-dev).
#ifndef USHER_CQRENCODE_SHIM_H
#define USHER_CQRENCODE_SHIM_H
#include <qrencode.h>

/// Encodes `text` as bytes (8-bit mode) at error correction level M, smallest
/// version that fits. NULL on failure (errno says why).
static inline QRcode *usher_qr_encode_m(const char *text) {
    return QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
}
#endif
