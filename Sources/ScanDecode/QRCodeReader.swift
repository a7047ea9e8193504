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

    /// Takes ownership of `pixels`, which must come from `malloc` (as the decoders' do).
    private init(width: Int, height: Int, owning pixels: UnsafeMutablePointer<UInt8>) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    deinit { free(pixels) }

    /// The QR codes in the image. Duplicates (the same code read twice) are dropped.
    ///
    /// zbar's cost is its line scans and binarizer over every pixel: about 30 ms for a
    /// 1280x720 photo here, and it cannot be told where to look. So a large frame (a
    /// camera photo) is first cut down to where a code probably is (``likelyCodeRegion``:
    /// the largest patch of fine two-way texture), halved when that patch is big enough
    /// to survive it, and only that is scanned. A miss there costs a few milliseconds
    /// and falls back to the whole frame, so nothing the whole frame reads is lost.
    func scanQRCodes() -> [String] {
        if width * height >= Self.regionFirstMinimumPixels, let region = likelyCodeRegion() {
            let found = cropped(to: region, halving: region.width * region.height >= Self.halveRegionsFromPixels).zbarCodes()
            if !found.isEmpty { return found }
        }
        return zbarCodes()
    }

    /// From about a VGA frame up, looking for the code first pays for itself; a small
    /// image (a saved QR PNG) is scanned as it is.
    static let regionFirstMinimumPixels = 640 * 480
    /// A region this large holds a code big enough to read at half size (4x fewer pixels).
    static let halveRegionsFromPixels = 300 * 300

    struct Region: Equatable {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
    }

    /// The bounding box (plus a quiet-zone margin) of the largest 8-connected patch of
    /// 16x16 blocks that have many strong steps both across and down: a QR code's
    /// modules do, while sensor noise (small steps) and a lone edge (one direction) do
    /// not. Nil when no block qualifies.
    func likelyCodeRegion() -> Region? {
        let block = 16
        let columns = width / block
        let rows = height / block
        guard columns >= 4, rows >= 4 else { return nil }
        let step = 48  // a module edge in a photo; noise and soft shading stay below it
        var textured = [Bool](repeating: false, count: columns * rows)
        for blockRow in 0..<rows {
            for blockColumn in 0..<columns {
                let origin = pixels + blockRow * block * width + blockColumn * block
                var across = 0
                var down = 0
                for line in stride(from: 0, to: block, by: 4) {
                    let row = origin + line * width
                    for x in 0..<(block - 2) {
                        let d = Int(row[x + 2]) - Int(row[x])
                        if d > step || d < -step { across += 1 }
                    }
                    for y in 0..<(block - 2) {
                        let d = Int(origin[(y + 2) * width + line]) - Int(origin[y * width + line])
                        if d > step || d < -step { down += 1 }
                    }
                }
                textured[blockRow * columns + blockColumn] = across >= 4 && down >= 4
            }
        }
        // The largest patch, by flood fill over the block grid.
        var seen = [Bool](repeating: false, count: columns * rows)
        var best: (count: Int, minX: Int, minY: Int, maxX: Int, maxY: Int)?
        var stack: [Int] = []
        for start in 0..<(columns * rows) where textured[start] && !seen[start] {
            var patch = (count: 0, minX: Int.max, minY: Int.max, maxX: 0, maxY: 0)
            seen[start] = true
            stack.append(start)
            while let index = stack.popLast() {
                let bx = index % columns
                let by = index / columns
                patch.count += 1
                patch.minX = min(patch.minX, bx)
                patch.maxX = max(patch.maxX, bx)
                patch.minY = min(patch.minY, by)
                patch.maxY = max(patch.maxY, by)
                for ny in max(0, by - 1)...min(rows - 1, by + 1) {
                    for nx in max(0, bx - 1)...min(columns - 1, bx + 1) {
                        let neighbour = ny * columns + nx
                        if textured[neighbour] && !seen[neighbour] {
                            seen[neighbour] = true
                            stack.append(neighbour)
                        }
                    }
                }
            }
            if patch.count > (best?.count ?? 0) { best = patch }
        }
        guard let best else { return nil }
        let margin = 2 * block  // the quiet zone, and finder patterns cut by a block edge
        let x = max(0, best.minX * block - margin)
        let y = max(0, best.minY * block - margin)
        return Region(
            x: x, y: y,
            width: min(width, (best.maxX + 1) * block + margin) - x,
            height: min(height, (best.maxY + 1) * block + margin) - y)
    }

    /// A copy of `region` (zbar wants contiguous rows), optionally halved: each 2x2
    /// block averaged into one pixel, a box filter that also halves a photo's noise.
    private func cropped(to region: Region, halving: Bool) -> GrayImage {
        let factor = halving ? 2 : 1
        let outWidth = region.width / factor
        let outHeight = region.height / factor
        let out = malloc(max(1, outWidth * outHeight))!.assumingMemoryBound(to: UInt8.self)
        for y in 0..<outHeight {
            let source = pixels + (region.y + y * factor) * width + region.x
            let row = out + y * outWidth
            if halving {
                let below = source + width
                for x in 0..<outWidth {
                    let sum = Int(source[2 * x]) + Int(source[2 * x + 1]) + Int(below[2 * x]) + Int(below[2 * x + 1])
                    row[x] = UInt8(truncatingIfNeeded: (sum + 2) >> 2)
                }
            } else {
                row.update(from: source, count: outWidth)
            }
        }
        return GrayImage(width: outWidth, height: outHeight, owning: out)
    }

    /// zbar over the pixels, QR only. zbar scanners are not thread-safe, so each call
    /// makes its own.
    private func zbarCodes() -> [String] {
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
