import ChildProcess

/// zbarimg (Debian package zbar-tools), the independent reference reader: what it
/// decodes is what a door scanner will see. Tests compare our decoder and our
/// printed tickets with it; the bench times it next to ours.
public enum Zbarimg {
    public static let path = "/usr/bin/zbarimg"

    /// The QR codes in the image at `path`, one per line of zbarimg's output.
    /// An image without a code is not an error here (zbarimg exits 4): it is [].
    public static func codes(inImageAt path: String) async throws -> [String] {
        let result = try await Command(Self.path, ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path])
            .run(timeout: .seconds(30), capture: .separate, allowFailure: true)
        guard result.succeeded || result.status == 4 else { throw CommandError.failed(result) }
        return result.output.split(separator: "\n").map(String.init)
    }
}
