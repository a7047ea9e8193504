import CImageCodecs
import CQRencode
import Foundation

/// A ticket's QR code as a black-and-white image: black modules on white, with
/// the quiet zone the QR standard asks for, so any phone or zbar reads it.
public struct QRImage: Sendable {
    /// Side in pixels (the image is square).
    public let width: Int
    /// `width` rows of `(width + 7) / 8` bytes, most significant bit first; a set
    /// bit is white (PNG 1-bit grayscale: 0 is black).
    public let rows: [UInt8]

    public enum QRError: Error, CustomStringConvertible {
        case encodingFailed(String)
        case writeFailed(String)

        public var description: String {
            switch self {
            case .encodingFailed(let text): "cannot encode \(text.prefix(32))… as a QR code"
            case .writeFailed(let path): "cannot write \(path)"
            }
        }
    }

    /// Error correction level M (15 % of the code can be damaged), `quietZone`
    /// white modules around it (the standard asks for 4), `moduleSize` pixels per module.
    public init(text: String, moduleSize: Int = 6, quietZone: Int = 4) throws {
        guard let code = text.withCString({ usher_qr_encode_m($0) }) else { throw QRError.encodingFailed(text) }
        defer { QRcode_free(code) }
        let modules = Int(code.pointee.width)
        let side = (modules + 2 * quietZone) * moduleSize
        let stride = (side + 7) / 8
        var rows = [UInt8](repeating: 0xFF, count: stride * side)
        for y in 0..<modules {
            // Build one pixel row of this module row, then repeat it moduleSize times.
            var row = [UInt8](repeating: 0xFF, count: stride)
            for x in 0..<modules where code.pointee.data[y * modules + x] & 1 == 1 {
                let left = (x + quietZone) * moduleSize
                for pixel in left..<left + moduleSize { row[pixel >> 3] &= ~(0x80 >> UInt8(pixel & 7)) }
            }
            let top = (y + quietZone) * moduleSize
            for line in top..<top + moduleSize { rows.replaceSubrange(line * stride..<(line + 1) * stride, with: row) }
        }
        self.width = side
        self.rows = rows
    }

    public func writePNG(to url: URL) throws {
        let ok = rows.withUnsafeBufferPointer { buffer in
            usher_write_bilevel_png(url.path, buffer.baseAddress, UInt32(width), UInt32(width))
        }
        guard ok == 1 else { throw QRError.writeFailed(url.path) }
    }
}
