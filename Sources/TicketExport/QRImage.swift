import CImageCodecs
import CQRencode
import Foundation

/// A ticket's QR code as an 8-bit grayscale image: black modules on white, with
/// the quiet zone the QR standard asks for, so any phone or zbar reads it.
public struct QRImage: Sendable {
    public let width: Int
    public let pixels: [UInt8]

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
        var pixels = [UInt8](repeating: 255, count: side * side)
        for y in 0..<modules {
            for x in 0..<modules where code.pointee.data[y * modules + x] & 1 == 1 {
                let top = (y + quietZone) * moduleSize
                let left = (x + quietZone) * moduleSize
                for row in top..<top + moduleSize {
                    pixels.replaceSubrange(row * side + left..<row * side + left + moduleSize,
                                           with: repeatElement(0, count: moduleSize))
                }
            }
        }
        self.width = side
        self.pixels = pixels
    }

    public func writePNG(to url: URL) throws {
        let ok = pixels.withUnsafeBufferPointer { buffer in
            usher_write_gray_png(url.path, buffer.baseAddress, UInt32(width), UInt32(width))
        }
        guard ok == 1 else { throw QRError.writeFailed(url.path) }
    }
}
