import Foundation
import Testing
import ZbarReference

@testable import ScanDecode

@Suite("Reading QR codes from images")
struct QRCodeReaderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let assets = repository.appendingPathComponent("assets/tickets")

    /// zbarimg, the reference reader, on the same file.
    static func zbarimg(_ url: URL) async throws -> [String] { try await Zbarimg.codes(inImageAt: url.path) }

    @Test func agreesWithZbarimgOnEveryAsset() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.assets.path).sorted()
        #expect(files.count >= 8)
        for file in files {
            let url = Self.assets.appendingPathComponent(file)
            let ours = try QRCodeReader.codes(inImageAt: url)
            #expect(ours == (try await Self.zbarimg(url)), "\(file)")
            #expect(ours.count == 1 && ours[0].hasPrefix("U1."), "\(file)")
        }
    }

    /// A photo is scanned where the code is, not everywhere: the region found holds
    /// the code, is a fraction of the frame, and reads what the whole frame reads.
    @Test func aPhotoIsScannedWhereTheCodeIs() async throws {
        let url = Self.assets.appendingPathComponent("photo-success.jpg")
        let image = try GrayImage(decoding: try Data(contentsOf: url), name: "photo-success.jpg")
        let found = image.likelyCodeRegion()
        let region = try #require(found)
        #expect(region.width * region.height < image.width * image.height / 3, "\(region)")
        // Where the code is in this photo (its modules span about x 360...760, y 180...560).
        #expect(region.x < 360 && region.x + region.width > 760 && region.y < 180 && region.y + region.height > 560, "\(region)")
        let read = image.scanQRCodes()
        #expect(read == (try await Self.zbarimg(url)))
    }

    /// A bigger patch of texture than the code (a random black-and-white pattern beside
    /// it) draws the first look away from the code; the whole frame is then scanned,
    /// and the code is still read.
    @Test func aDecoyPatchFallsBackToTheWholeFrame() async throws {
        let url = Self.fixtures.appendingPathComponent("photo-with-decoy.jpg")
        let image = try GrayImage(decoding: try Data(contentsOf: url), name: "photo-with-decoy.jpg")
        let found = image.likelyCodeRegion()
        let region = try #require(found)
        #expect(region.x >= 780, "the decoy (x 828...1276) is the largest patch: \(region)")
        let expected = try await Self.zbarimg(url)
        #expect(expected.count == 1)
        let read = image.scanQRCodes()
        #expect(read == expected)
    }

    @Test func severalCodesAreAllReturned() async throws {
        let codes = try QRCodeReader.codes(inImageAt: Self.fixtures.appendingPathComponent("two-codes.png"))
        #expect(codes.count == 2)
        #expect(Set(codes) == Set(try await Self.zbarimg(Self.fixtures.appendingPathComponent("two-codes.png"))))
    }

    @Test(arguments: [
        ("blank.png", "no QR code found"),
        ("truncated.png", "damaged image"),
        ("truncated.jpg", "no QR code found|damaged image"),
        ("not-an-image.png", "not a PNG or JPEG image"),
        ("missing.png", "no such file"),
    ])
    func badFilesGiveClearErrors(_ file: String, _ expected: String) {
        do {
            let codes = try QRCodeReader.codes(inImageAt: Self.fixtures.appendingPathComponent(file))
            Issue.record("\(file) decoded to \(codes)")
        } catch {
            #expect(expected.split(separator: "|").contains { error.description.contains($0) }, "\(file): \(error)")
            #expect(error.description.hasPrefix(file), "names the file: \(error)")
        }
    }

    @Test func directoriesAreRefused() {
        #expect(throws: QRReadError.unreadable("Fixtures", "not a regular file")) {
            try QRCodeReader.codes(inImageAt: Self.fixtures)
        }
    }

    /// A PNG header claiming 60,000 × 60,000 pixels: refused before any pixel
    /// memory is allocated.
    @Test func hugeDimensionsAreRefused() throws {
        var ihdr: [UInt8] = Array("IHDR".utf8)
        for value in [UInt32(60_000), UInt32(60_000)] { ihdr += withUnsafeBytes(of: value.bigEndian, Array.init) }
        ihdr += [8, 0, 0, 0, 0]  // 8-bit gray
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr
        png += withUnsafeBytes(of: crc32(ihdr).bigEndian, Array.init)
        // A tiny IDAT (an empty zlib stream) and IEND, so the header is read through.
        let idat: [UInt8] = Array("IDAT".utf8) + [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        png += [0, 0, 0, 8] + idat + withUnsafeBytes(of: crc32(idat).bigEndian, Array.init)
        let iend: [UInt8] = Array("IEND".utf8)
        png += [0, 0, 0, 0] + iend + withUnsafeBytes(of: crc32(iend).bigEndian, Array.init)
        #expect(throws: QRReadError.self) { try QRCodeReader.codes(inImageData: Data(png), name: "huge.png") }
        do {
            _ = try QRCodeReader.codes(inImageData: Data(png), name: "huge.png")
        } catch {
            #expect(error.description.contains("too large"), "\(error)")
        }
    }

    /// Random bytes behind a PNG or JPEG signature: an error, never a crash.
    @Test func garbageBehindAValidSignatureNeverCrashes() {
        var state: UInt64 = 42
        for round in 0..<300 {
            var bytes: [UInt8] = round.isMultiple(of: 2) ? [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] : [0xFF, 0xD8, 0xFF]
            for _ in 0..<(round * 7 % 2000) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            #expect(throws: QRReadError.self) { try QRCodeReader.codes(inImageData: Data(bytes), name: "fuzz") }
        }
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
