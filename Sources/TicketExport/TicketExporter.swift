import Foundation

/// One ticket to print: its seat, owner and signed code.
public struct ExportTicket: Sendable, Hashable {
    public var seatID: String
    public var ownerUserID: String
    public var ticketCode: String

    public init(seatID: String, ownerUserID: String, ticketCode: String) {
        self.seatID = seatID
        self.ownerUserID = ownerUserID
        self.ticketCode = ticketCode
    }

    /// The PNG's file name: the seat id is already file-name safe (InputRules).
    public var fileName: String { "\(seatID).png" }
}

/// Writes a QR PNG per ticket and `manifest.csv` (seat, owner, ticket_code, file)
/// into a directory. PNGs are rendered on all cores; the manifest is written last,
/// through a temporary file, so a manifest on disk always lists finished PNGs.
/// With `images: false` only the manifest is written, its `file` column empty: the
/// codes for a mailing system (or a benchmark), without 50,000 PNGs to render.
public enum TicketExporter {
    public static func export(
        _ tickets: [ExportTicket], to directory: URL, images: Bool = true,
        parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let workers = images ? max(1, parallelism) : 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Each worker takes every `workers`-th ticket: no shared queue to lock.
            for worker in 0..<workers {
                group.addTask {
                    for index in stride(from: worker, to: tickets.count, by: workers) {
                        try Task.checkCancellation()
                        let ticket = tickets[index]
                        try QRImage(text: ticket.ticketCode).writePNG(to: directory.appendingPathComponent(ticket.fileName))
                        progress(1)
                    }
                }
            }
            try await group.waitForAll()
        }
        var csv = "seat,owner,ticket_code,file\r\n"
        for ticket in tickets {
            csv += [ticket.seatID, ticket.ownerUserID, ticket.ticketCode, images ? ticket.fileName : ""].map(csvField)
                .joined(separator: ",") + "\r\n"
        }
        let manifest = directory.appendingPathComponent("manifest.csv")
        let temporary = directory.appendingPathComponent(".manifest.csv.partial")
        try Data(csv.utf8).write(to: temporary)
        guard rename(temporary.path, manifest.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: manifest.path])
        }
    }

    /// RFC 4180 quoting, only where needed.
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
