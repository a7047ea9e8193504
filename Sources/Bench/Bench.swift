import Foundation
import InventoryClient
import ScanDecode
import ScanModel
import TicketExport
import UsherCore
import ZbarReference

/// `bench`: speed checks that would be flaky as unit tests. Each prints one line
/// per measurement; scripts/bench.sh runs them in a release build.
///
///     bench export [COUNT [MAX_SECONDS]]   sign COUNT tickets, export QR PNGs + manifest
///     bench verify [COUNT [MAX_SECONDS]]   verify COUNT signed codes
///     bench decode FILE...                 our image decode vs zbarimg, per file
///     bench scan CREDENTIAL CODE [COUNT [MAX_MEDIAN_MS]]
///                                          keystroke-to-verdict through the door model and client
///     bench venue SEATS [--sold]           print a venue JSON with one hall of SEATS seats (every one sold)
///     bench hall CREDENTIAL HALL [MAX_FULL_MS [MAX_EMPTY_MS]]
///                                          seat-map full load and empty delta poll (time, bytes), map render
///     bench door-sync CREDENTIAL [MAX_FULL_MS [MAX_DELTA_MS]]
///                                          a door's offline copy: full sync into a new store, empty delta syncs
///     bench load admit|verify CREDENTIAL CODES IN_FLIGHT SECONDS [PGBENCH_TPS [PREPARED_TPS [MIN_RATIO [MAX_P99_MS]]]]
///                                          MarkCheckedIn or VerifyTicket under load (rate, p50, p99, ratios);
///                                          exit 1 on a failed call, a code not admitted, or a target missed
///     bench decode-set EXPECTED.tsv [MAX_MEDIAN_MS]
///                                          a set of photos (file TAB code): ours vs zbarimg, time and reads
///     bench pgbench-log TITLE IN_FLIGHT SECONDS FILE...
///                                          the same line for pgbench's per-transaction logs
///
/// CREDENTIAL is a device.json from `scan-tui enroll --credential FILE`: the bench
/// calls the server as an enrolled door or supervisor would.
///
/// With MAX_SECONDS the run fails (exit 1) when the measured step is slower.
@main
struct Bench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "export":
            try await measureStep(arguments) { try await export(count: $0) }
            return
        case "verify":
            try await measureStep(arguments) { verify(count: $0) }
            return
        case "decode":
            try await decode(files: Array(arguments.dropFirst()))
            return
        case "scan" where arguments.count >= 3:
            let count = arguments.count > 3 ? Int(arguments[3]) ?? 200 : 200
            let limit = arguments.count > 4 ? Double(arguments[4]) : nil
            let median = try await scan(credential: arguments[1], code: arguments[2], count: count)
            if let limit, median > limit {
                print(String(format: "FAILED: median %.2f ms is over the %.2f ms target", median, limit))
                exit(1)
            }
            return
        case "venue":
            print(arenaVenue(seats: arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000, sold: arguments.contains("--sold")))
            return
        case "hall" where arguments.count >= 3:
            let ok = try await hall(
                credential: arguments[1], hallID: arguments[2],
                maxFullMilliseconds: arguments.count > 3 ? Double(arguments[3]) : nil,
                maxEmptyMilliseconds: arguments.count > 4 ? Double(arguments[4]) : nil)
            if !ok { exit(1) }
            return
        case "door-sync" where arguments.count >= 2:
            let ok = try await doorSync(
                credential: arguments[1],
                maxFullMilliseconds: arguments.count > 2 ? Double(arguments[2]) : nil,
                maxDeltaMilliseconds: arguments.count > 3 ? Double(arguments[3]) : nil)
            if !ok { exit(1) }
            return
        case "load" where arguments.count >= 6:
            guard let rpc = LoadRPC(rawValue: arguments[1]), let inFlight = Int(arguments[4]),
                let seconds = Double(arguments[5])
            else { break }
            let number = { (index: Int) in arguments.count > index ? Double(arguments[index]) : nil }
            let baseline = number(6)
            let result = try await load(
                rpc, credential: arguments[2], codes: arguments[3], inFlight: inFlight, seconds: seconds)
            print(result.line(baseline: baseline, prepared: number(7)))
            let shortfalls = result.shortfalls(baseline: baseline, minRatio: number(8), maxP99Milliseconds: number(9))
            for line in shortfalls { print(line) }
            if !shortfalls.isEmpty { exit(1) }
            return
        case "decode-set" where arguments.count >= 2:
            let ok = try await decodeSet(
                expectedFile: arguments[1], maxMedianMilliseconds: arguments.count > 2 ? Double(arguments[2]) : nil)
            if !ok { exit(1) }
            return
        case "pgbench-log" where arguments.count >= 5:
            guard let inFlight = Int(arguments[2]), let seconds = Double(arguments[3]) else { break }
            let result = try pgbenchLog(
                title: arguments[1], inFlight: inFlight, seconds: seconds, files: Array(arguments.dropFirst(4)))
            print(result.line(baseline: nil))
            return
        default:
            break
        }
        FileHandle.standardError.write(Data("usage: bench export|verify|decode|decode-set|scan|venue|hall|door-sync|load|pgbench-log ...\n".utf8))
        exit(2)
    }

    /// `export` and `verify`: one step timed, against an optional limit in seconds.
    static func measureStep(_ arguments: [String], _ step: @Sendable (Int) async throws -> Double) async throws {
        let count = arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000
        let limit = arguments.count > 2 ? Double(arguments[2]) : nil
        let seconds = try await step(count)
        if let limit, seconds > limit {
            print(String(format: "FAILED: %.2f s is over the %.2f s target", seconds, limit))
            exit(1)
        }
    }

    static func claims(_ index: Int) -> TicketClaims {
        TicketClaims(
            seatID: "bench-event.stalls.R\(index / 100).\(index % 100 + 1)", eventID: "bench-event", hallID: "main",
            serial: 1, validFrom: Date(timeIntervalSince1970: 1_780_000_000), validUntil: Date(timeIntervalSince1970: 1_780_014_400))
    }

    static func export(count: Int) async throws -> Double {
        let signer = TicketSigningKey.generate()
        let clock = ContinuousClock()
        var tickets: [ExportTicket] = []
        let signing = clock.measure {
            tickets = (0..<count).map { index in
                let claims = claims(index)
                return ExportTicket(seatID: claims.seatID, ownerUserID: "owner-\(index)", ticketCode: TicketCode.issue(claims, signer: signer))
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usher-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = clock.now
        try await TicketExporter.export(tickets, to: directory)
        let writing = clock.now - start
        report("sign", count: count, elapsed: signing)
        return report("export (QR PNG + manifest)", count: count, elapsed: writing)
    }

    static func verify(count: Int) -> Double {
        let signer = TicketSigningKey.generate()
        let keyring = TicketKeyring(signer: signer)
        let codes = (0..<count).map { TicketCode.issue(claims($0), signer: signer) }
        var valid = 0
        let elapsed = ContinuousClock().measure {
            for code in codes where (try? TicketCode.verify(code, keyring: keyring).get()) != nil { valid += 1 }
        }
        precondition(valid == count, "every benchmark code must verify")
        return report("verify", count: count, elapsed: elapsed)
    }

    /// Decoding each file: ours (in process) against zbarimg (a process per run,
    /// as a script would use it), medians of several runs.
    static func decode(files: [String]) async throws {
        for file in files {
            let url = URL(fileURLWithPath: file)
            let clock = ContinuousClock()
            var ours: [Duration] = []
            var codes = 0
            for _ in 0..<20 {
                let start = clock.now
                codes = try QRCodeReader.codes(inImageAt: url).count
                ours.append(clock.now - start)
            }
            var theirs: [Duration] = []
            for _ in 0..<10 {
                let start = clock.now
                _ = try await Zbarimg.codes(inImageAt: file)
                theirs.append(clock.now - start)
            }
            print(String(format: "decode %@ (%d code): ours %.2f ms, zbarimg %.2f ms (median)",
                         url.lastPathComponent, codes, milliseconds(median(ours)), milliseconds(median(theirs))))
        }
    }

    /// A scanner burst typed into the door model, the check it asks for run
    /// through InventoryClient, the verdict fed back and the screen rendered:
    /// the time a guest waits after the scanner beeps. Returns the median in ms.
    static func scan(credential path: String, code: String, count: Int) async throws -> Double {
        let credential = try loadCredential(path)
        let configuration = try credential.clientConfiguration()
        let door = Door(hallID: credential.hall ?? "main", staffID: "bench", terminalID: credential.name)
        return try await withInventoryClient(configuration) { client in
            var state = DoorState(
                settings: DoorSettings(server: credential.server, hallID: door.hallID, staffID: door.staffID, terminalID: door.terminalID, mode: .confirm),
                width: 100, height: 30, now: Date(), session: UUID().uuidString.lowercased())
            var samples: [Duration] = []
            let clock = ContinuousClock()
            for round in 0...count {
                let start = clock.now
                var effects: [DoorEffect] = []
                for character in code { effects += state.update(.key(.character(character), at: clock.now)) }
                effects += state.update(.key(.enter, at: clock.now))
                guard case .check(let scanned, _)? = effects.first else { throw CocoaError(.featureUnsupported) }
                // A failed call ends the benchmark: its number would not mean anything.
                let report = try await client.verifyTicket(scanned.code, at: door)
                _ = state.update(
                    .checked(scanID: scanned.id, admission: false, outcome: .success(report), latency: clock.now - start, at: clock.now))
                _ = state.render()
                _ = state.update(.key(.escape, at: clock.now))
                if round > 0 { samples.append(clock.now - start) }  // the first call opens the connection
            }
            let sorted = samples.sorted()
            let p95 = sorted[Int(Double(sorted.count - 1) * 0.95)]
            let result = milliseconds(median(samples))
            print(String(format: "keystroke-to-verdict over %d scans: median %.2f ms, p95 %.2f ms", samples.count, result, milliseconds(p95)))
            return result
        }
    }

    static func median(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    @discardableResult
    static func report(_ name: String, count: Int, elapsed: Duration) -> Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%@: %d in %.2f s (%.0f/s)", name, count, seconds, Double(count) / seconds))
        return seconds
    }
}

extension Bench {
    /// A device credential as `scan-tui enroll --credential FILE` wrote it: the bench
    /// calls the server as an enrolled device, pinned TLS and token, like a terminal.
    static func loadCredential(_ path: String) throws -> DeviceCredential {
        try JSONDecoder().decode(DeviceCredential.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
