import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Histogram
import InventoryClient
import InventoryProto
import Synchronization

/// `bench load` and `bench pgbench-log`: the check-in path under load, beside the naive
/// transaction `pgbench` runs on the same database (scripts/bench.sh load).
///
/// Latencies go into an HDR histogram (microseconds, 3 significant digits), never an
/// average: a p99 is what the 64th door in a queue feels.
extension Bench {
    enum LoadRPC: String {
        case admit, verify
        var title: String { self == .admit ? "MarkCheckedIn" : "VerifyTicket" }
    }

    /// What callers saw: each caller keeps its own, and the run merges them.
    struct Tally {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var count = 0
        /// Calls that failed (an RPC error, or no verdict): none is acceptable.
        var errors = 0
        /// Admissions answered with anything but SUCCESS: the codes were used before.
        var notAdmitted = 0

        mutating func record(_ took: Duration) {
            let (seconds, attoseconds) = took.components
            histogram.record(UInt64(max(1, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)))
        }

        mutating func merge(_ other: Tally) {
            histogram.add(other.histogram)
            count += other.count
            errors += other.errors
            notAdmitted += other.notAdmitted
        }
    }

    /// A call answered without a verdict: counted as an error.
    struct NoVerdict: Error {}

    /// One measured run.
    struct LoadResult {
        var title: String
        var inFlight: Int
        var seconds: Double
        var tally: Tally
        var rate: Double { Double(tally.count) / seconds }

        func line(baseline: Double?, prepared: Double? = nil) -> String {
            var line = String(
                format: "%-24@ %3d in flight: %7.0f /s   p50 %6.2f ms   p99 %6.2f ms", title, inFlight, rate,
                Double(tally.histogram.valueAtPercentile(50)) / 1000, Double(tally.histogram.valueAtPercentile(99)) / 1000)
            if let baseline { line += String(format: "   %.2fx pgbench", rate / baseline) }
            if let prepared { line += String(format: " (%.2fx prepared)", rate / prepared) }
            if tally.errors > 0 { line += "   \(tally.errors) errors" }
            if tally.notAdmitted > 0 { line += "   \(tally.notAdmitted) not admitted (codes used before?)" }
            return line
        }

        /// What this run failed (calls that failed, admissions not made) or missed
        /// (a target against `baseline`), one line each; empty when all is well.
        func shortfalls(baseline: Double?, minRatio: Double?, maxP99Milliseconds: Double?) -> [String] {
            var lines: [String] = []
            if tally.errors > 0 || tally.notAdmitted > 0 {
                lines.append("FAILED: \(title) at \(inFlight) in flight: \(tally.errors) failed calls, \(tally.notAdmitted) not admitted")
            }
            if let baseline, let minRatio, rate / baseline < minRatio {
                lines.append(String(
                    format: "MISSED: %@ at %d in flight: %.2fx pgbench (target >= %.1fx)", title, inFlight, rate / baseline, minRatio))
            }
            let p99 = Double(tally.histogram.valueAtPercentile(99)) / 1000
            if let maxP99Milliseconds, p99 > maxP99Milliseconds {
                lines.append(String(
                    format: "MISSED: %@ at %d in flight: p99 %.2f ms (target <= %.0f ms)", title, inFlight, p99, maxP99Milliseconds))
            }
            return lines
        }
    }

    /// `IN_FLIGHT` callers, each taking the next code from CODES (one per line, each used
    /// once, so every admission is a first one), for `seconds`, over one connection as
    /// the credential's device. Prints one line; fails on any error answer.
    static func load(
        _ rpc: LoadRPC, credential path: String, codes codesPath: String, inFlight: Int, seconds: Double
    ) async throws -> LoadResult {
        let credential = try loadCredential(path)
        let configuration = try credential.clientConfiguration()
        let codes = try String(contentsOfFile: codesPath, encoding: .utf8).split(separator: "\n").map(String.init)
        var bearer = Metadata()
        bearer.addString("Bearer \(configuration.credential ?? "")", forKey: "authorization")
        let metadata = bearer
        let hall = credential.hall ?? "main"
        let terminal = credential.name
        let next = NextCode()
        let run = UUID().uuidString.prefix(8).lowercased()
        let result = try await withGRPCClient(transport: try configuration.makeTransport()) { grpc in
            let inventory = Inventory_InventoryService.Client(wrapping: grpc)
            // One call first, outside the measurement: it opens the connection.
            _ = try await inventory.getVerificationKeys(.init(), metadata: metadata)
            let clock = ContinuousClock()
            let start = clock.now
            let end = start.advanced(by: .milliseconds(Int(seconds * 1000)))
            let tally = try await withThrowingTaskGroup(of: Tally.self) { group in
                for _ in 0..<inFlight {
                    group.addTask {
                        var tally = Tally()
                        while clock.now < end {
                            let taken = next.take()
                            // Admissions use each code once; verifies go round again.
                            guard rpc == .verify || taken < codes.count else { break }
                            let index = taken % codes.count
                            let began = clock.now
                            // An error answer is a failed call; an admission answered with
                            // anything but SUCCESS means the code was used before.
                            do {
                                switch rpc {
                                case .admit:
                                    let response = try await inventory.markCheckedIn(
                                        .with {
                                            $0.ticketCode = codes[index]
                                            $0.hallID = hall
                                            $0.staffID = "bench"
                                            $0.terminalID = terminal
                                            $0.scanID = "bench-\(run)-\(index)"
                                        }, metadata: metadata)
                                    if response.result != .success { tally.notAdmitted += 1 }
                                case .verify:
                                    let response = try await inventory.verifyTicket(
                                        .with {
                                            $0.ticketCode = codes[index]
                                            $0.hallID = hall
                                            $0.staffID = "bench"
                                            $0.terminalID = terminal
                                        }, metadata: metadata)
                                    if response.result == .unspecified { throw NoVerdict() }
                                }
                                tally.count += 1
                            } catch {
                                tally.errors += 1
                            }
                            tally.record(clock.now - began)
                        }
                        return tally
                    }
                }
                var all = Tally()
                for try await one in group { all.merge(one) }
                return all
            }
            let elapsed = clock.now - start
            return LoadResult(
                title: rpc.title, inFlight: inFlight,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, tally: tally)
        }
        if rpc == .admit && next.taken >= codes.count {
            print("note: ran out of codes (\(codes.count)); the rate is what they lasted for")
        }
        return result
    }

    /// The callers' shared position in the code list.
    final class NextCode: Sendable {
        private let next = Atomic<Int>(0)
        func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
        var taken: Int { next.load(ordering: .relaxed) }
    }

    /// Reads pgbench's per-transaction logs (`pgbench -l`: the third field is the
    /// latency in microseconds) into the same histogram as ``load``.
    static func pgbenchLog(title: String, inFlight: Int, seconds: Double, files: [String]) throws -> LoadResult {
        var tally = Tally()
        for file in files {
            for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count > 2, let micros = Int64(fields[2]) else { continue }
                tally.record(.microseconds(micros))
                tally.count += 1
            }
        }
        return LoadResult(title: title, inFlight: inFlight, seconds: seconds, tally: tally)
    }
}
