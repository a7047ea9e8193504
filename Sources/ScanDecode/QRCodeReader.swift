import CImageCodecs
import CZbar
import Foundation

/// Reads ticket QR codes out of image files: PNG (libpng) or JPEG (TurboJPEG) to
/// 8-bit gray, then zbar with only the QR symbology enabled. Every failure is a
/// ``QRReadError`` with a sentence for people; hostile files are bounded by size
/// (bytes and pixels) before anything large is allocated.
public enum QRCodeReader {
    /// Files larger than this are refused unread.
    public static let maximumFileBytes = 64 * 1024 * 1024
    /// 40 megapixels: far beyond any photo of a ticket.
    public static let maximumPixels = 40_000_000

    public static func codes(inImageAt url: URL) throws(QRReadError) -> [String] {
        let name = url.lastPathComponent
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw .unreadable(name, "no such file") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(name, "not a regular file") }
        guard info.st_size <= maximumFileBytes else {
            throw .tooLarge(name, "\(info.st_size / 1_048_576) MB; at most \(maximumFileBytes / 1_048_576) MB")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(name, error.localizedDescription)
        }
        return try codes(inImageData: data, name: name)
    }

    public static func codes(inImageData data: Data, name: String = "image") throws(QRReadError) -> [String] {
        let image = try GrayImage(decoding: data, name: name)
        let found = image.scanQRCodes()
        guard !found.isEmpty else { throw .noCode(name) }
        return found
    }
}

public enum QRReadError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String, String)
    case notAnImage(String)
    case corrupt(String, String)
    case tooLarge(String, String)
    case noCode(String)

    public var description: String {
        switch self {
        case .unreadable(let name, let why): "\(name): cannot read: \(why)"
        case .notAnImage(let name): "\(name): not a PNG or JPEG image"
        case .corrupt(let name, let why): "\(name): damaged image (\(why))"
        case .tooLarge(let name, let why): "\(name): image too large (\(why))"
        case .noCode(let name): "\(name): no QR code found"
        }
    }
}

/// 8-bit gray pixels, owned by this value.
struct GrayImage: ~Copyable {
    let width: Int
    let height: Int
    private let pixels: UnsafeMutablePointer<UInt8>

    init(decoding data: Data, name: String) throws(QRReadError) {
        let bytes = [UInt8](data)
        let isPNG = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let isJPEG = bytes.starts(with: [0xFF, 0xD8, 0xFF])
        guard isPNG || isJPEG else { throw .notAnImage(name) }
        var width: UInt32 = 0
        var height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let decoded: UnsafeMutablePointer<UInt8>? = bytes.withUnsafeBufferPointer { buffer in
            message.withUnsafeMutableBufferPointer { error in
                isPNG
                    ? usher_png_to_gray(buffer.baseAddress, buffer.count, UInt(QRCodeReader.maximumPixels), &width, &height, error.baseAddress, error.count)
                    : usher_jpeg_to_gray(buffer.baseAddress, buffer.count, UInt(QRCodeReader.maximumPixels), &width, &height, error.baseAddress, error.count)
            }
        }
        guard let decoded else {
            let why = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if why.contains("too large") { throw .tooLarge(name, why) }
            throw .corrupt(name, why.isEmpty ? "unknown decoder error" : why)
        }
        self.width = Int(width)
        self.height = Int(height)
        self.pixels = decoded
    }

    deinit { free(pixels) }

    /// zbar over the pixels, QR only. zbar scanners are not thread-safe, so each
    /// call makes its own. Duplicates (the same code read twice) are dropped.
    func scanQRCodes() -> [String] {
        guard let scanner = zbar_image_scanner_create(), let image = zbar_image_create() else { return [] }
        defer {
            zbar_image_destroy(image)
            zbar_image_scanner_destroy(scanner)
        }
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        // Scan every line: tickets are often small in a photo.
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 1)
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 1)
        zbar_image_set_format(image, usher_zbar_y800())
        zbar_image_set_size(image, UInt32(width), UInt32(height))
        // We own the buffer (no cleanup handler); it outlives the scan.
        zbar_image_set_data(image, pixels, UInt(width * height), nil)
        guard zbar_scan_image(scanner, image) > 0 else { return [] }
        var codes: [String] = []
        var symbol = zbar_image_first_symbol(image)
        while let current = symbol {
            if zbar_symbol_get_type(current) == ZBAR_QRCODE, let data = zbar_symbol_get_data(current) {
                let text = String(cString: data)
                if !codes.contains(text) { codes.append(text) }
            }
            symbol = zbar_symbol_next(current)
        }
        return codes
    }
}
