import ArgumentParser
import Foundation
import ScanDecode

extension ScanTUICommand {
    /// `scan-tui decode IMAGE...`: print the codes in images.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the QR codes in images (PNG or JPEG), one per line; exit 1 when none decodes.")

        @Argument(help: "Image files.")
        var images: [String]

        func run() throws {
            var decoded = 0
            for image in images {
                do {
                    for code in try QRCodeReader.codes(inImageAt: URL(fileURLWithPath: image)) {
                        print(images.count > 1 ? "\(image): \(code)" : code)
                        decoded += 1
                    }
                } catch {
                    FileHandle.standardError.write(Data("scan-tui: \(error.description)\n".utf8))
                }
            }
            if decoded == 0 { throw ExitCode(1) }
        }
    }
}
