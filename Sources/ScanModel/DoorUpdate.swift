import Foundation
import InventoryClient
import UsherCore

extension DoorState {
    /// The whole door's behaviour: one event in, the new state and the effects out.
    public mutating func update(_ event: DoorEvent) -> [DoorEffect] {
        switch event {
        case .resized(let width, let height):
            self.width = width
            self.height = height
            return []
        case .connection(let state):
            connection = state
            return []
        case .tick(let now, let instant):
            advanceClock(now: now, at: instant)
            var effects: [DoorEffect] = []
            for output in scanner.tick(at: instant) { effects += handle(output) }
            return effects
        case .key(let key, let instant):
            return handle(key, at: instant)
        case .checked(let code, let admission, let outcome, let latency, let instant):
            return finish(code: code, admission: admission, outcome: outcome, latency: latency, at: instant)
        case .imageDropped(let path):
            return [.decodeImage(path: path)]
        case .decoded(_, let outcome):
            switch outcome {
            case .failed(let message):
                banner = .notice(message)
                return []
            case .codes(let codes) where codes.count == 1:
                return startCheck(codes[0])
            case .codes(let codes):
                banner = .pick(codes: Array(codes.prefix(9)))
                return []
            }
        }
    }

    /// The clock moved on: a SUCCESS that clears itself goes away on time, in
    /// whatever view the terminal shows.
    mutating func advanceClock(now: Date, at instant: ContinuousClock.Instant) {
        self.now = now
        if case .verdict(_, _, let clearAt?) = banner, instant >= clearAt { banner = .ready }
    }

    /// A complete code from the scanner, whichever view it arrived in.
    mutating func scanned(_ code: String) -> [DoorEffect] {
        overlay = .none
        return startCheck(code)
    }

    private mutating func handle(_ key: TerminalKey, at instant: ContinuousClock.Instant) -> [DoorEffect] {
        if key == .interrupt { return [.quit] }
        switch overlay {
        case .openImage(let path):
            switch key {
            case .enter:
                overlay = .none
                let trimmed = path.trimmingCharacters(in: .whitespaces)
                // A scanner fired while the prompt was open: it is a scan, not a path.
                if trimmed.hasPrefix("U1.") { return startCheck(trimmed) }
                return trimmed.isEmpty ? [] : [.decodeImage(path: trimmed)]
            case .escape: overlay = .none
            case .backspace: overlay = .openImage(path: String(path.dropLast()))
            case .character(let c): overlay = .openImage(path: path + String(c))
            case .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end: break
            }
            return []
        case .confirmQuit, .help, .none:
            // Keys still go through the scanner detector, so a scan that arrives
            // while help or a question is shown is captured whole.
            break
        }
        switch key {
        case .character(let c):
            var effects: [DoorEffect] = []
            for output in scanner.key(c, at: instant) { effects += handle(output) }
            return effects
        case .enter:
            let outputs = scanner.enter(at: instant)
            if outputs.isEmpty { return enterPressed() }
            var effects: [DoorEffect] = []
            for output in outputs {
                effects += handle(output)
                if case .command = output { effects += enterPressed() }
            }
            return effects
        case .backspace:
            scanner.backspace()
            return []
        case .escape:
            if overlay != .none { overlay = .none } else { dismiss() }
            return []
        case .tab:
            return settings.viewsEnabled && overlay == .none ? [.showView(nil)] : []
        case .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end:
            return []
        }
    }

    private mutating func handle(_ output: ScannerInput.Output) -> [DoorEffect] {
        switch output {
        case .scan(let code):
            return scanned(code)
        case .discarded:
            return []
        case .command(let c):
            return command(c)
        }
    }

    private mutating func command(_ c: Character) -> [DoorEffect] {
        switch overlay {
        case .confirmQuit:
            overlay = .none
            return c == "y" || c == "Y" ? [.quit] : []
        case .help:
            overlay = .none
            return []
        case .none, .openImage:
            break
        }
        switch c {
        case "?":
            overlay = .help
        case "q", "Q":
            if inFlight > 0 { overlay = .confirmQuit } else { return [.quit] }
        case "c", "C":
            mode = mode == .auto ? .confirm : .auto
            if case .preview = banner { banner = .ready }
        case "o", "O":
            overlay = .openImage(path: "")
        case "1"..."9":
            if case .pick(let codes) = banner, let index = c.wholeNumberValue, index <= codes.count {
                return startCheck(codes[index - 1])
            }
            if settings.viewsEnabled, let view = TerminalView(key: c) {
                return [.showView(view)]
            }
            dismiss()
        default:
            // Any other key acknowledges a verdict that waits for staff.
            dismiss()
        }
        return []
    }

    /// Enter with nothing typed: admit a confirm-mode preview, or acknowledge.
    private mutating func enterPressed() -> [DoorEffect] {
        if case .preview(_, let code) = banner {
            banner = .checking(code: code)
            inFlight += 1
            return [.check(code: code, admit: true)]
        }
        dismiss()
        return []
    }

    private mutating func dismiss() {
        switch banner {
        case .verdict, .unchecked, .notice, .pick, .preview: banner = .ready
        case .ready, .checking: break
        }
    }

    private mutating func startCheck(_ code: String) -> [DoorEffect] {
        banner = .checking(code: code)
        inFlight += 1
        return [.check(code: code, admit: mode == .auto)]
    }

    private mutating func finish(
        code: String, admission: Bool, outcome: Result<ScanReport, InventoryClientError>, latency: Duration,
        at instant: ContinuousClock.Instant
    ) -> [DoorEffect] {
        inFlight = max(0, inFlight - 1)
        switch outcome {
        case .failure(let error):
            // Never a success that was not confirmed: say plainly it was not checked.
            banner = .unchecked(message: error.userMessage)
            recent.insert(ScanRecord(at: now, seat: "", result: nil, latency: latency), at: 0)
            recent = Array(recent.prefix(20))
            return settings.bell ? [.bell(.attention)] : []
        case .success(let report):
            if !admission && mode == .confirm && report.result == .success {
                banner = .preview(report, code: code)
                return settings.bell ? [.bell(.attention)] : []
            }
            let success = report.result == .success
            let clearAfter = success ? settings.successClearsAfter : settings.denialClearsAfter
            banner = .verdict(
                report, admitted: admission && success,
                clearAt: clearAfter.map { instant + $0 })
            if success && admission {
                admitted += 1
            } else if !success {
                denied[report.result, default: 0] += 1
            }
            recent.insert(ScanRecord(at: now, seat: report.seat?.seatID ?? "", result: report.result, latency: latency), at: 0)
            recent = Array(recent.prefix(20))
            verdictTimes.append(now)
            verdictTimes = verdictTimes.filter { now.timeIntervalSince($0) < 60 }
            latencies.append(latency)
            if latencies.count > 100 { latencies.removeFirst(latencies.count - 100) }
            return settings.bell ? [.bell(VerdictLook.of(report.result, ascii: settings.ascii).bell)] : []
        }
    }
}
