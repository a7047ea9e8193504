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

    /// One measured run.
    struct LoadResult {
        var title: String
        var inFlight: Int
        var count: Int
        /// Calls that failed (an RPC error): none is acceptable.
        var errors: Int
        /// Admissions answered with anything but SUCCESS: the codes were used before.
        var notAdmitted = 0
        var seconds: Double
        var histogram: Histogram<UInt64>
        var rate: Double { Double(count) / seconds }

        func line(baseline: Double?, prepared: Double? = nil) -> String {
            var line = String(
                format: "%-24@ %3d in flight: %7.0f /s   p50 %6.2f ms   p99 %6.2f ms", title, inFlight, rate,
                Double(histogram.valueAtPercentile(50)) / 1000, Double(histogram.valueAtPercentile(99)) / 1000)
            if let baseline { line += String(format: "   %.2fx pgbench", rate / baseline) }
            if let prepared { line += String(format: " (%.2fx prepared)", rate / prepared) }
            if errors > 0 { line += "   \(errors) errors" }
            if notAdmitted > 0 { line += "   \(notAdmitted) not admitted (codes used before?)" }
            return line
        }
    }

    static func newHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
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
            let perCaller = try await withThrowingTaskGroup(of: (Histogram<UInt64>, Int, Int, Int).self) { group in
                for _ in 0..<inFlight {
                    group.addTask {
                        var histogram = newHistogram()
                        var count = 0
                        var errors = 0
                        var notAdmitted = 0
                        while clock.now < end {
                            let taken = next.take()
                            // Admissions use each code once; verifies go round again.
                            guard rpc == .verify || taken < codes.count else { break }
                            let index = taken % codes.count
                            let began = clock.now
                            let ok: Bool
                            var admitted = true
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
                                    ok = true
                                    admitted = response.result == .success
                                case .verify:
                                    let response = try await inventory.verifyTicket(
                                        .with {
                                            $0.ticketCode = codes[index]
                                            $0.hallID = hall
                                            $0.staffID = "bench"
                                            $0.terminalID = terminal
                                        }, metadata: metadata)
                                    ok = response.result != .unspecified
                                }
                            } catch {
                                ok = false
                            }
                            let took = clock.now - began
                            histogram.record(UInt64(max(1, took.components.seconds * 1_000_000 + took.components.attoseconds / 1_000_000_000_000)))
                            if ok { count += 1 } else { errors += 1 }
                            if ok && !admitted { notAdmitted += 1 }
                        }
                        return (histogram, count, errors, notAdmitted)
                    }
                }
                var all: [(Histogram<UInt64>, Int, Int, Int)] = []
                for try await one in group { all.append(one) }
                return all
            }
            let elapsed = clock.now - start
            var histogram = newHistogram()
            for (h, _, _, _) in perCaller { histogram.add(h) }
            return LoadResult(
                title: rpc.title, inFlight: inFlight, count: perCaller.reduce(0) { $0 + $1.1 },
                errors: perCaller.reduce(0) { $0 + $1.2 }, notAdmitted: perCaller.reduce(0) { $0 + $1.3 },
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                histogram: histogram)
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
        var histogram = newHistogram()
        var count = 0
        for file in files {
            for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count > 2, let micros = UInt64(fields[2]) else { continue }
                histogram.record(max(1, micros))
                count += 1
            }
        }
        return LoadResult(
            title: title, inFlight: inFlight, count: count, errors: 0, seconds: seconds, histogram: histogram)
    }
}
