import Foundation
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
        case .probed(let ok, _):
            link.probed(ok: ok, at: now)
            return []
        case .synced(.success(let status)):
            sync = status
            return []
        case .synced(.failure):
            // Keep the last copy: the offline banner says how old it is.
            return []
        case .journal(let status):
            journal = status
            link.journalChanged(status)
            return []
        case .tick(let now, let instant):
            advanceClock(now: now, at: instant)
            var effects: [DoorEffect] = []
            for input in scanner.routeTick(at: instant) { effects += handle(input) }
            return effects + scheduleDue(at: instant)
        case .key(let key, let instant):
            return handle(key, at: instant)
        case .checked(let scanID, let admission, let outcome, let latency, let instant):
            return finish(scanID: scanID, admission: admission, outcome: outcome, latency: latency, at: instant)
        case .schedule(let result, let instant):
            schedulePoll.finished(at: instant)
            switch result {
            case .success(let schedule):
                self.schedule = schedule
                scheduleProblem = nil
            case .failure(let failure) where failure.kind == .unsupported:
                scheduleProblem = "this server does not list the hall's events"
            case .failure:
                break  // keep the last schedule; the status bar already says the server is away
            }
            return []
        case .annulled(let admission, let outcome):
            return annulled(admission, outcome)
        case .overridden(let scanID, let outcome):
            return overridden(scanID, outcome)
        case .unlocked(let command, let outcome):
            return unlocked(then: command, outcome)
        case .searched(let query, let result):
            if case .search(var box) = overlay {
                box.answer(query, result)
                overlay = .search(box)
            }
            return []
        case .imageDropped(let path):
            return [.decodeImage(path: path)]
        case .decoded(_, let outcome):
            switch outcome {
            case .failed(let message):
                banner = .notice(message)
                return []
            case .codes(let codes) where codes.count == 1:
                return read(codes[0])
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
        relockIfDue()
        if case .verdict(_, _, let clearAt?) = banner, instant >= clearAt { banner = .ready }
    }

    /// The hall's events are asked for now and then, whatever the view (a server
    /// that could not list them may have been upgraded since).
    mutating func scheduleDue(at instant: ContinuousClock.Instant) -> [DoorEffect] {
        guard schedulePoll.start(at: instant) else { return [] }
        return [.loadSchedule]
    }

    /// A complete code from the scanner, whichever view it arrived in.
    mutating func scanned(_ code: String) -> [DoorEffect] {
        overlay = .none
        return read(code)
    }

    private mutating func handle(_ key: TerminalKey, at instant: ContinuousClock.Instant) -> [DoorEffect] {
        if key == .interrupt { return kioskRefusal(.quitNow) ?? [.quit] }
        if case .openImage(let path) = overlay {
            switch key {
            case .enter:
                overlay = .none
                let trimmed = path.trimmingCharacters(in: .whitespaces)
                // A scanner fired while the prompt was open: it is a scan, not a path.
                if trimmed.hasPrefix("U1.") { return read(trimmed) }
                return trimmed.isEmpty ? [] : [.decodeImage(path: trimmed)]
            case .escape: overlay = .none
            case .backspace: overlay = .openImage(path: String(path.dropLast()))
            case .character(let c): overlay = .openImage(path: path + String(c))
            case .tab, .interrupt, .up, .down, .left, .right, .pageUp, .pageDown, .home, .end: break
            }
            return []
        }
        if case .annul(let draft) = overlay { return annulKey(key, draft) }
        if case .search(let box) = overlay { return searchKey(key, box) }
        if case .override(let draft) = overlay { return overrideKey(key, draft) }
        if case .unlock(let unlock) = overlay { return unlockKey(key, unlock) }
        // Keys still go through the scanner detector, so a scan that arrives while
        // help or a question is shown is captured whole.
        var effects: [DoorEffect] = []
        for input in scanner.route(key, at: instant) { effects += handle(input) }
        return effects
    }

    private mutating func handle(_ input: RoutedKey) -> [DoorEffect] {
        switch input {
        case .scan(let code):
            return scanned(code)
        case .key(.character(let c)):
            return command(c)
        case .key(let key):
            guard let command = Keymap.command(for: key, in: .door, viewsEnabled: settings.viewsEnabled) else { return [] }
            return perform(command)
        }
    }

    /// A key typed on its own (not part of a scan).
    private mutating func command(_ c: Character) -> [DoorEffect] {
        switch overlay {
        case .confirmQuit:
            overlay = .none
            return c == "y" || c == "Y" ? [.quit] : []
        case .help:
            overlay = .none
            return []
        case .none, .openImage, .annul, .search, .override, .unlock:
            break
        }
        // Any key without a binding acknowledges a verdict that waits for staff.
        return perform(Keymap.command(for: .character(c), in: .door, viewsEnabled: settings.viewsEnabled) ?? .confirm, key: c)
    }

    mutating func perform(_ command: Keymap.Command, key: Character? = nil) -> [DoorEffect] {
        if let refused = kioskRefusal(effective(command)) { return refused }
        switch command {
        case .help:
            overlay = .help
        case .quit:
            if inFlight > 0 { overlay = .confirmQuit } else { return [.quit] }
        case .quitNow:
            return [.quit]
        case .toggleMode:
            mode = mode == .auto ? .confirm : .auto
            if case .preview = banner { banner = .ready }
        case .forceLink:
            link.toggleForce(at: now)
        case .openImage:
            overlay = .openImage(path: "")
        case .digit(let index):
            if case .pick(let codes) = banner, index <= codes.count { return read(codes[index - 1]) }
            if settings.viewsEnabled, let view = TerminalView(key: Character("\(index)")) { return [.showView(view)] }
            dismiss()
        case .nextView:
            return overlay == .none ? [.showView(nil)] : []
        case .back:
            if overlay != .none { overlay = .none } else { dismiss() }
        case .confirm:
            // Enter with nothing typed, or any unbound key: admit a confirm-mode
            // preview (Enter only), or acknowledge.
            if key == nil, case .preview(_, let scan) = banner {
                current = scan
                banner = .checking(scan)
                scans.resend(scan)
                return [admit(scan)]
            }
            dismiss()
        case .annul:
            startAnnul()
        case .override:
            startOverride()
        case .toggleDirection:
            guard settings.directions == .both else {
                banner = .notice("This door scans \(settings.directions == .exit ? "exits" : "entries") only (--direction)")
                return []
            }
            direction = direction == .entry ? .exit : .entry
            if case .preview = banner { banner = .ready }
        case .search:
            if link.isOffline {
                banner = .notice("Search needs the server, and this door is offline: it holds no orders or owners")
            } else {
                overlay = .search(SearchBox())
            }
        case .move, .zoom, .hall, .reload, .acknowledge:
            break  // supervisor views only
        }
        return []
    }

    private mutating func dismiss() {
        switch banner {
        case .verdict, .unchecked, .notice, .pick, .preview: banner = .ready
        case .ready, .checking, .annulling, .overriding: break
        }
    }

    /// A code was read: it becomes the newest scan (new, retried, or one already in
    /// flight), and the banner belongs to it from now on.
    private mutating func read(_ code: String, seat: String? = nil) -> [DoorEffect] {
        // A new code is a new guest: the denial before is no longer theirs to override.
        lastDenial = nil
        // Out needs the server: the door keeps no one's whereabouts, and a guest is
        // never stopped from leaving. Said, not recorded.
        if direction == .exit && link.isOffline {
            banner = .notice("Exits need the server, and this door is offline: let the guest out (not recorded)")
            return settings.bell ? [.bell(.attention)] : []
        }
        // Nor can the door vouch for a seat without its code on its own.
        if seat != nil && link.isOffline {
            banner = .notice("Admitting a guest without a code needs the server, and this door is offline")
            return settings.bell ? [.bell(.attention)] : []
        }
        switch scans.read(code, at: now, direction: direction, seatID: seat) {
        case .alreadyInFlight(let scan):
            current = scan
            banner = .checking(scan)
            return []
        case .send(let scan, let retryAdmission):
            current = scan
            banner = .checking(scan)
            // A retried scan's row moves up to now: it is the guest in front of the door again.
            recent.removeAll { $0.scanID == scan.id }
            recent.insert(ScanRecord(scanID: scan.id, at: scan.readAt), at: 0)
            recent = Array(recent.prefix(20))
            // Offline there is no preview: a local preview then a local admission
            // would be two decisions of one scan (confirm mode pauses; the header says so).
            if link.isOffline { return [admit(scan)] }
            // An exit has no preview: there is nothing to confirm about someone leaving;
            // a searched seat was picked by staff, which is the confirmation.
            return [.check(scan, admit: mode == .auto || retryAdmission || scan.direction == .exit || scan.seatID != nil)]
        }
    }

    /// The effect that admits `scan`: by the server, or locally while offline.
    private mutating func admit(_ scan: Scan) -> DoorEffect {
        guard link.isOffline else { return .check(scan, admit: true) }
        offlineChecks.insert(scan.id)
        return .checkOffline(scan)
    }

    /// A scan's call ended. Counters and its history row always take the answer; the
    /// banner only when it is the newest scan's, so a slow answer for the guest before
    /// never replaces the verdict of the guest in front of the door.
    private mutating func finish(
        scanID: String, admission: Bool, outcome: Result<ScanReport, CallFailure>, latency: Duration,
        at instant: ContinuousClock.Instant
    ) -> [DoorEffect] {
        let local = offlineChecks.remove(scanID) != nil
        let scan: Scan?
        switch outcome {
        case .failure where local:
            // Nothing was decided and the server heard nothing new: a scan that went
            // unanswered online stays retryable under its id.
            scan = scans.finishedUndecided(scanID)
        case .success:
            scan = scans.finished(scanID, answered: true, admission: admission, at: now)
        case .failure(let failure):
            scan = scans.finished(scanID, answered: !failure.mayHaveActed, admission: admission, at: now)
        }
        guard let scan else { return [] }
        let isNewest = scan.id == current?.id
        switch outcome {
        case .failure(let failure):
            if failure.kind == .unanswered && !local {
                link.callUnanswered(why: failure.message, at: now)
                // The guest in front of the door is decided offline at once, as the
                // same scan: if the server did admit them, the upload is replayed
                // under this id, never a DUPLICATE against their own door.
                // (An exit is never decided offline: the door keeps no whereabouts.)
                if isNewest && link.isOffline && scan.direction == .entry && scan.seatID == nil {
                    scans.redecide(scan)
                    record(scan.id) { $0.state = .checking }
                    banner = .checking(scan)
                    return [admit(scan)]
                }
            }
            record(scan.id) { $0.state = .notChecked; $0.latency = latency }
            guard isNewest else { return [] }
            // An exit the server would not record (not inside, out already, no
            // re-entry): its sentence, not "could not be checked".
            if scan.direction == .exit && failure.kind == .failed {
                banner = .notice(failure.message)
                return settings.bell ? [.bell(.attention)] : []
            }
            // Never a success that was not confirmed: say plainly it was not checked.
            let retry = failure.mayHaveActed ? " (scan again to retry this same scan)" : ""
            banner = .unchecked(message: failure.message + retry)
            return settings.bell ? [.bell(.attention)] : []
        case .success(let report):
            let success = report.result == .success
            if !admission && success {
                // Valid, not admitted (a confirm-mode preview): no verdict to count yet.
                record(scan.id) {
                    $0.seat = report.seat?.seatID ?? ""
                    $0.state = .validNotAdmitted
                    $0.latency = latency
                }
                // Shown even if staff switched to auto while it was checked: the banner
                // must never stay on CHECKING for a scan that has its answer.
                guard isNewest else { return [] }
                banner = .preview(report, scan: scan)
                return settings.bell ? [.bell(.attention)] : []
            }
            let exit = success && report.verdict.reason == .exit
            if exit {
                exited += 1
            } else if success {
                admitted += 1
            } else {
                denied[report.result, default: 0] += 1
            }
            record(scan.id) {
                $0.seat = report.seat?.seatID ?? ""
                $0.state = exit ? .exited : .verdict(report.result)
                $0.reentry = report.verdict.reason == .reentry
                $0.latency = latency
                $0.offline = report.offline != nil
            }
            verdictTimes.append(now)
            verdictTimes = verdictTimes.filter { now.timeIntervalSince($0) < 60 }
            latencies.append(latency)
            if latencies.count > 100 { latencies.removeFirst(latencies.count - 100) }
            guard isNewest else { return [] }
            // A searched seat has no code to override with; `o` is for scanned codes.
            if !success && report.offline == nil && scan.direction == .entry && scan.seatID == nil {
                lastDenial = OverrideDraft(scan: scan, denial: report)
            }
            let clearAfter = success ? settings.successClearsAfter : settings.denialClearsAfter
            banner = .verdict(report, admitted: admission && success, clearAt: clearAfter.map { instant + $0 })
            return settings.bell ? [.bell(VerdictLook.of(report.result, ascii: settings.ascii).bell)] : []
        }
    }

    // MARK: annul (u)

    /// `u`: asks which admission to undo and why — this door's newest online
    /// admission within ``AnnulPolicy/doorWindow``. The server checks the same rule
    /// by its own clock; this only keeps staff from asking for what it would refuse.
    private mutating func startAnnul() {
        switch banner {
        case .preview, .pick, .annulling, .overriding:
            // A guest waiting for Enter (or a pick) keeps the banner; one undo at a time.
            return
        case .ready, .checking, .verdict, .unchecked, .notice:
            break
        }
        guard !link.isOffline else {
            banner = .notice("Undoing an admission needs the server, and this door is offline")
            return
        }
        // A re-entry is not an admission to undo (the guest's admission is older).
        let candidate = recent.first { record in
            record.state == .verdict(.success) && !record.reentry && !record.offline && now.timeIntervalSince(record.at) <= AnnulPolicy.doorWindow
        }
        guard let candidate else {
            banner = .notice("Nothing to undo: this door admitted nobody in the last \(Int(AnnulPolicy.doorWindow / 60)) minutes")
            return
        }
        // One annul per admission: asking again (a lost reply, `u` again) reuses the
        // id, and the server answers it as a replay.
        overlay = .annul(
            AnnulDraft(
                admission: .scan(candidate.admissionID), annulID: candidate.admissionID + ".annul", seat: candidate.seat,
                at: candidate.at))
    }

    /// A key while the annul question is open (``AnnulDraft/key(_:)``).
    private mutating func annulKey(_ key: TerminalKey, _ draft: AnnulDraft) -> [DoorEffect] {
        apply(draft.key(key), showing: Overlay.annul) { door, reason in
            door.banner = .annulling(draft.admission, seat: draft.seat)
            return [.annul(draft.admission, annulID: draft.annulID, reason: reason)]
        }
    }

    /// A key while the search box is open (``SearchBox/key(_:)``).
    private mutating func searchKey(_ key: TerminalKey, _ box: SearchBox) -> [DoorEffect] {
        switch box.key(key) {
        case .editing(let box):
            overlay = .search(box)
            return []
        case .search(let box, let query):
            overlay = .search(box)
            return [.search(query: query)]
        case .close:
            overlay = .none
            return []
        case .scan(let code):
            overlay = .none
            return read(code)
        case .admit(let seat):
            overlay = .none
            return read("seat:" + seat.seatID, seat: seat.seatID)
        }
    }

    /// The server answered an annul: the history row and the counter follow it; the
    /// banner only while no scan came since.
    private mutating func annulled(_ admission: AnnulRequest.Admission, _ outcome: Result<AnnulOutcome, CallFailure>) -> [DoorEffect] {
        // Only while the banner still waits for this answer: a scan's verdict, or a
        // newer scan, owns it otherwise.
        let showsBanner: Bool
        if case .annulling(admission, _) = banner { showsBanner = true } else { showsBanner = false }
        switch outcome {
        case .success(let annul):
            if case .scan(let scanID) = admission, let index = recent.firstIndex(where: { $0.admissionID == scanID }),
                recent[index].state == .verdict(.success)
            {
                recent[index].state = .annulled
                admitted = max(0, admitted - 1)
            }
            if showsBanner { banner = .notice(annul.message) }
            return []
        case .failure(let failure):
            // Heard even when a scan has the banner: the admission still stands.
            if showsBanner { banner = .notice("Not undone: \(failure.message)") }
            return settings.bell ? [.bell(.attention)] : []
        }
    }

    // MARK: override (o)

    /// `o`: asks why and for a supervisor's PIN, to let in the guest the newest scan
    /// turned away. Only a server's denial that ``OverridePolicy`` allows: the server
    /// decides again, so this only keeps staff from asking for what it would refuse.
    private mutating func startOverride() {
        switch banner {
        case .checking, .preview, .pick, .annulling, .overriding:
            return  // a guest being checked, or an answer on its way, keeps the banner
        case .ready, .verdict, .unchecked, .notice:
            break
        }
        guard !link.isOffline else {
            banner = .notice("Letting a guest in anyway needs the server, and this door is offline")
            return
        }
        guard let denial = lastDenial, denial.scan.id == current?.id else {
            banner = .notice("Nothing to override: o follows a denial of the guest in front of the door")
            return
        }
        guard OverridePolicy.mayOverride(denial.denial.verdict.reason) else {
            banner = .notice("A \(denial.denial.result.rawValue) cannot be overridden: the ticket is forged, void or already used")
            return
        }
        overlay = .override(OverrideDraft(scan: denial.scan, denial: denial.denial, supervisor: lastSupervisor))
    }

    /// A key while the override questions are open (``OverrideDraft/key(_:)``).
    private mutating func overrideKey(_ key: TerminalKey, _ draft: OverrideDraft) -> [DoorEffect] {
        apply(draft.key(key), showing: Overlay.override) { door, draft in
            door.lastSupervisor = draft.supervisor
            door.banner = .overriding(scanID: draft.scan.id, supervisor: draft.supervisor)
            return [.override(draft)]
        }
    }

    /// The server answered an override. Admitted: the guest's row and the counters
    /// say so, and the banner shows SUCCESS while it still waits for this answer.
    /// Refused (a wrong PIN, a locked door): the guest stays out; `o` asks again.
    private mutating func overridden(_ scanID: String, _ outcome: Result<ScanReport, CallFailure>) -> [DoorEffect] {
        let showsBanner: Bool
        if case .overriding(scanID, _) = banner { showsBanner = true } else { showsBanner = false }
        switch outcome {
        case .success(let report):
            if let index = recent.firstIndex(where: { $0.scanID == scanID }), case .verdict(let was) = recent[index].state,
                was != .success
            {
                recent[index].state = .verdict(.success)
                recent[index].admittedAs = report.scanID
                // The row is the admission now: `u` counts its 2 minutes from here.
                recent[index].at = report.checkedInAt ?? now
                denied[was] = max(0, denied[was, default: 0] - 1)
                admitted += 1
            }
            if lastDenial?.scan.id == scanID { lastDenial = nil }
            guard showsBanner else { return [] }
            banner = .verdict(report, admitted: true, clearAt: nil)
            return settings.bell ? [.bell(VerdictLook.of(.success, ascii: settings.ascii).bell)] : []
        case .failure(let failure):
            // No answer is not a no: the server may have let the guest in, and `o`
            // again is the same override (replayed if it was).
            let said =
                failure.mayHaveActed
                ? "No answer for the override: \(failure.message). Press o to try the same override again"
                : "Not let in: \(failure.message)"
            if showsBanner { banner = .notice(said) }
            return settings.bell ? [.bell(.attention)] : []
        }
    }

    /// Fills in the scan's history row where it is (it may have scrolled off).
    private mutating func record(_ scanID: String, _ change: (inout ScanRecord) -> Void) {
        if let index = recent.firstIndex(where: { $0.scanID == scanID }) { change(&recent[index]) }
    }
}
