import Foundation
import UsherCore

extension TerminalState {
    /// One event in, the new state and the effects out.
    public mutating func update(_ event: TerminalEvent) -> [TerminalEffect] {
        var effects: [TerminalEffect]
        switch event {
        case .door(.key(let key, _)) where view != .door && annul != nil && key != .interrupt:
            effects = annulKey(key)
        case .door(.annulled(.seat(let seatID, _), let result)):
            effects = annulled(seatID: seatID, result)
        case .door(.key(let key, let instant)) where view != .door:
            effects = supervisorKey(key, at: instant)
        case .door(.tick(let now, let instant)) where view != .door:
            door.advanceClock(now: now, at: instant)
            // A kiosk that locked again goes back to the door view (seat details show owners).
            if door.kioskLocked { show(.door) }
            effects = route(door.scheduleDue(at: instant))
            for input in door.scanner.routeTick(at: instant) { effects += routed(input) }
        case .door(let doorEvent):
            effects = route(door.update(doorEvent))
            if case .resized = doorEvent {
                seatMap.scrollIntoView(geometry)
                seatMap.moveTile(across: 0, down: 0, geometry: geometry)
            }
        case .hallSeats(let target, let since, let result, let instant):
            seatMap.poll.finished(at: instant)
            receive(result, for: target, since: since)
            effects = []
        case .seatsRead(let target, let results, let instant):
            seatMap.poll.finished(at: instant)
            receive(results, for: target)
            effects = []
        case .seatDetail(let seatID, let result):
            guard case .loading(seatID)? = seatMap.detail else { return [] }
            switch result {
            case .success(let seat):
                seatMap.detail = .seat(seat)
                seatMap.map?.set(seat.seatID, status: seat.status, revision: seat.revision)
            case .failure(let error): seatMap.detail = .failed(seatID: seatID, message: error.message)
            }
            effects = []
        case .occupancy(let result, let instant):
            occupancy.poll.finished(at: instant)
            switch result {
            case .success(var report):
                // Events whose admission window is open first, then those to come; ended ones last.
                let order = { (hall: HallOccupancy) -> Int in
                    switch hall.window.position(at: report.asOf) {
                    case .open: 0
                    case .beforeDoors: 1
                    case .ended: 2
                    }
                }
                report.halls = report.halls.enumerated()
                    .sorted { (order($0.element), $0.offset) < (order($1.element), $1.offset) }
                    .map(\.element)
                occupancy.report = report
                databaseWarning = report.databaseWarning
                occupancy.selected = min(occupancy.selected, max(0, report.halls.count - 1))
                occupancy.lastError = nil
            case .failure(let error) where error.kind == .unsupported:
                occupancy.problem = "This server does not report occupancy (it has no GetHallOccupancy): \(error.message)"
            case .failure(let error):
                occupancy.lastError = error.message
            }
            effects = []
        case .conflicts(let result, let instant):
            conflicts.loaded(result, at: instant)
            effects = []
        case .conflictAcknowledged(let result):
            conflicts.acknowledged(result)
            effects = []
        case .doors(let result, let instant):
            doorBoard.loaded(result, at: instant)
            effects = []
        }
        if case .door(.tick(_, let instant)) = event { effects += pollsDue(at: instant) }
        return effects
    }

    /// Door effects pass through, except view switches, which the terminal decides.
    private mutating func route(_ effects: [DoorEffect]) -> [TerminalEffect] {
        var routed: [TerminalEffect] = []
        for effect in effects {
            if case .showView(let requested) = effect {
                show(requested ?? view.next)
            } else {
                routed.append(.door(effect))
            }
        }
        return routed
    }

    mutating func show(_ requested: TerminalView) {
        var next = requested
        // Tab skips views this terminal may not show.
        while !settings.allows(next) { next = next.next }
        guard next != view else { return }
        view = next
        helpShown = false
        switch view {
        case .seatMap: seatMap.poll.hurry()
        case .occupancy: occupancy.poll.hurry()
        case .door: return
        }
        conflicts.poll.hurry()
        doorBoard.poll.hurry()
    }

    // MARK: polling

    /// Polls for the view on screen only: the others cost nothing. Conflict alerts
    /// ride along with either supervisor view; the door list with occupancy, where
    /// it is drawn.
    private mutating func pollsDue(at instant: ContinuousClock.Instant) -> [TerminalEffect] {
        guard view != .door else { return [] }
        var effects = viewPollDue(at: instant)
        if !conflicts.unsupported && conflicts.poll.start(at: instant) { effects.append(.loadConflicts) }
        if view == .occupancy && !doorBoard.unsupported && doorBoard.poll.start(at: instant) { effects.append(.loadDoors) }
        return effects
    }

    private mutating func viewPollDue(at instant: ContinuousClock.Instant) -> [TerminalEffect] {
        switch view {
        case .door:
            return []
        case .occupancy:
            guard occupancy.problem == nil, occupancy.poll.start(at: instant) else { return [] }
            return [.loadOccupancy]
        case .seatMap:
            guard seatMap.problem == nil, seatMap.poll.start(at: instant) else { return [] }
            switch seatMap.source {
            case .delta(let cursor):
                return [.loadHallSeats(target: seatMap.target, since: cursor)]
            case .perSeat:
                let batch = seatMap.nextPerSeatBatch(size: settings.perSeatBatch, geometry: geometry)
                guard !batch.isEmpty else {
                    seatMap.poll.finished(at: instant)
                    return []
                }
                return [.readSeats(target: seatMap.target, seatIDs: batch)]
            }
        }
    }

    private mutating func receive(_ result: Result<HallSeatsChange, CallFailure>, for target: SeatMapState.Target, since: Int64) {
        // An answer for a hall no longer shown, or for a cursor since replaced, is dropped.
        guard target == seatMap.target, seatMap.source == .delta(cursor: since) else { return }
        switch result {
        case .success(let change):
            let previous = seatMap.map
            if change.isComplete || previous == nil {
                seatMap.map = SeatMap(
                    hallID: change.hallID, hallName: change.hallName, eventID: change.eventID,
                    eventName: change.eventName, seats: change.seats)
                seatMap.placeCursorAfterLoad(previous: previous)
                seatMap.source = .delta(cursor: change.cursor)
            } else if seatMap.map?.apply(change.seats) == false {
                // A seat the layout lacks: the venue changed. Load it all again.
                seatMap.source = .delta(cursor: 0)
                seatMap.poll.hurry()
            } else {
                seatMap.source = .delta(cursor: change.cursor)
            }
            // Pin the event the server chose, so a cursor is never used across events.
            seatMap.target.eventID = change.eventID
            seatMap.lastUpdate = change.asOf
            seatMap.lastError = nil
            databaseWarning = change.databaseWarning
        case .failure(let error) where error.kind == .unsupported:
            guard
                let layout = HallLayout.pick(settings.fallbackLayouts, hallID: target.hallID, eventID: target.eventID, at: door.now)
            else {
                seatMap.problem = """
                    This server cannot list hall seats (it has no ListHallSeats). Start scan-tui with \
                    --venue <venue file> to draw the map and read it seat by seat.
                    """
                return
            }
            seatMap.map = SeatMap(
                hallID: layout.hallID, hallName: layout.hallName, eventID: layout.eventID, eventName: layout.eventName,
                seats: layout.seats, statusesKnown: false)
            seatMap.placeCursorAfterLoad(previous: nil)
            seatMap.source = .perSeat
            seatMap.target.eventID = layout.eventID
            seatMap.poll.hurry()
        case .failure(let error):
            seatMap.lastError = error.message
        }
    }

    private mutating func receive(_ results: [String: Result<Seat, CallFailure>], for target: SeatMapState.Target) {
        guard target == seatMap.target, seatMap.source == .perSeat else { return }
        var failure: String?
        for (seatID, result) in results {
            switch result {
            case .success(let seat): seatMap.map?.set(seatID, status: seat.status, revision: seat.revision)
            case .failure(let error): failure = error.message
            }
        }
        seatMap.lastError = failure
        if failure == nil { seatMap.lastUpdate = door.now }
    }

    // MARK: keys in the supervisor views

    private mutating func supervisorKey(_ key: TerminalKey, at instant: ContinuousClock.Instant) -> [TerminalEffect] {
        // Through the scanner detector: a scan arriving here is still a scan.
        var effects: [TerminalEffect] = []
        for input in door.scanner.route(key, at: instant) { effects += routed(input) }
        return effects
    }

    private mutating func routed(_ input: RoutedKey) -> [TerminalEffect] {
        switch input {
        case .scan(let code):
            // A ticket scanned on a supervisor view: show the door with its verdict.
            show(.door)
            return route(door.scanned(code))
        case .key(.character(let c)):
            return command(c)
        case .key(let key):
            guard let command = Keymap.command(for: key, in: view, viewsEnabled: settings.viewsEnabled) else { return [] }
            return perform(command)
        }
    }

    /// A key typed on its own in a supervisor view.
    private mutating func command(_ c: Character) -> [TerminalEffect] {
        if helpShown {
            helpShown = false
            return []
        }
        guard let command = Keymap.command(for: .character(c), in: view, viewsEnabled: settings.viewsEnabled) else {
            return []
        }
        return perform(command)
    }

    /// What a key asks for, in a supervisor view.
    private mutating func perform(_ command: Keymap.Command) -> [TerminalEffect] {
        // A locked kiosk: moving between views is fine (back to the door is the point);
        // anything else that needs a PIN asks for it on the door view.
        if door.kioskLocked, KioskLock.action(command) != nil, command != .nextView {
            show(.door)
            // Only quitting is the door's to do once unlocked; another view's key is
            // pressed again there.
            return route(door.kioskRefusal(command, runAfter: command == .quit || command == .quitNow) ?? [])
        }
        switch command {
        case .quitNow:
            return [.door(.quit)]
        case .quit:
            if door.inFlight > 0 {
                // The door asks first: a scan is still being checked.
                show(.door)
                door.overlay = .confirmQuit
                return []
            }
            return [.door(.quit)]
        case .help:
            helpShown = true
        case .digit(let n):
            if let view = TerminalView(key: Character("\(n)")) { show(view) }
        case .nextView:
            show(view.next)
        case .zoom:
            if seatMap.zoomedOut { seatMap.zoomIn(geometry: geometry) } else { seatMap.zoomOut(geometry: geometry) }
        case .hall(let step):
            switchHall(by: step)
        case .reload:
            // Reload everything (e.g. after the venue changed).
            if view == .seatMap, case .delta = seatMap.source { seatMap.source = .delta(cursor: 0) }
            seatMap.problem = nil
            occupancy.problem = nil
            conflicts.unsupported = false
            doorBoard.unsupported = false
            seatMap.poll.hurry()
            occupancy.poll.hurry()
            conflicts.poll.hurry()
            doorBoard.poll.hurry()
        case .acknowledge:
            if let id = conflicts.acknowledgeTop() { return [.acknowledgeConflict(id: id)] }
        case .back:
            if helpShown {
                helpShown = false
            } else if seatMap.detail != nil {
                closeDetail()
            } else if view == .seatMap && seatMap.zoomedOut {
                seatMap.zoomIn(geometry: geometry)
            }
        case .move(let key):
            helpShown = false
            if view == .occupancy {
                moveOccupancy(key)
            } else if seatMap.detail == nil {
                moveOnMap(key)
            }
        case .confirm:
            return enter()
        case .annul:
            startAnnul()
        case .toggleMode, .openImage, .forceLink, .search, .override, .toggleDirection:
            break  // door view only
        }
        return []
    }

    /// Enter: open the seat under the cursor, leave the overview at a section, close
    /// a detail, or open the highlighted hall's map from the occupancy table.
    private mutating func enter() -> [TerminalEffect] {
        if helpShown {
            helpShown = false
            return []
        }
        switch view {
        case .door:
            return []
        case .occupancy:
            guard let hall = occupancy.selectedHall else { return [] }
            open(SeatMapState.Target(hallID: hall.hallID, eventID: hall.eventID))
            show(.seatMap)
            return []
        case .seatMap:
            if seatMap.detail != nil {
                closeDetail()
                return []
            }
            if seatMap.zoomedOut {
                seatMap.zoomIn(geometry: geometry)
                return []
            }
            guard let place = seatMap.cursorPlace else { return [] }
            seatMap.detail = .loading(seatID: place.seatID)
            return [.readSeatDetail(seatID: place.seatID)]
        }
    }

    private mutating func closeDetail() {
        seatMap.detail = nil
        annulResult = nil
    }

    // MARK: annul (u on a seat's details)

    /// `u` with a checked-in seat's details open: asks why, then undoes the admission
    /// the seat is checked in by (a supervisor may undo any, however old).
    private mutating func startAnnul() {
        guard view == .seatMap, case .seat(let seat)? = seatMap.detail, case .checkedIn(_, _, let checkIn) = seat.state else {
            return
        }
        // Fixed per admission (the seat's revision changes with every admission):
        // asking again after a lost reply is answered as a replay.
        annul = AnnulDraft(
            admission: .seat(seat.seatID, revision: seat.revision), annulID: "annul.\(seat.seatID).\(seat.revision)", seat: seat.seatID, at: checkIn.at)
        annulResult = nil
    }

    /// Keys while the question is open go to it whole, never to the scanner detector.
    private mutating func annulKey(_ key: TerminalKey) -> [TerminalEffect] {
        guard let draft = annul else { return [] }
        switch draft.key(key) {
        case .asking(let draft):
            annul = draft
        case .cancel:
            annul = nil
        case .scan(let code):
            annul = nil
            show(.door)
            return route(door.scanned(code))
        case .answered(let reason):
            annul = nil
            annulResult = ascii ? "undoing..." : "undoing…"
            return [.door(.annul(draft.admission, annulID: draft.annulID, reason: reason))]
        }
        return []
    }

    /// The server's answer: the details show the seat as it is now and what happened;
    /// the map catches up at its next poll, which comes at once.
    private mutating func annulled(seatID: String, _ result: Result<AnnulOutcome, CallFailure>) -> [TerminalEffect] {
        switch result {
        case .success(let outcome):
            if case .seat(let shown)? = seatMap.detail, shown.seatID == seatID { seatMap.detail = .seat(outcome.seat) }
            annulResult = outcome.message
            seatMap.poll.hurry()
        case .failure(let failure):
            annulResult = "Not undone: \(failure.message)"
        }
        return []
    }

    /// Shows another hall's map from scratch.
    private mutating func open(_ target: SeatMapState.Target) {
        if target.hallID == seatMap.target.hallID, target.eventID == seatMap.map?.eventID { return }
        var fresh = SeatMapState(target: target, pollInterval: settings.pollInterval)
        fresh.poll.hurry()
        seatMap = fresh
    }

    /// `[` and `]`: the previous or next hall in the occupancy list.
    private mutating func switchHall(by step: Int) {
        guard let halls = occupancy.report?.halls, !halls.isEmpty else {
            seatMap.lastError = "open the occupancy view (3) once to list the halls"
            return
        }
        let current = halls.firstIndex { $0.hallID == seatMap.target.hallID && $0.eventID == seatMap.map?.eventID } ?? -1
        let next = halls[((current + step) % halls.count + halls.count) % halls.count]
        open(SeatMapState.Target(hallID: next.hallID, eventID: next.eventID))
    }

    private mutating func moveOccupancy(_ key: TerminalKey) {
        let count = occupancy.report?.halls.count ?? 0
        guard count > 0 else { return }
        switch key {
        case .up: occupancy.selected -= 1
        case .down: occupancy.selected += 1
        case .pageUp, .home: occupancy.selected = 0
        case .pageDown, .end: occupancy.selected = count - 1
        default: break
        }
        occupancy.selected = max(0, min(count - 1, occupancy.selected))
    }

    private mutating func moveOnMap(_ key: TerminalKey) {
        let g = geometry
        if seatMap.zoomedOut {
            switch key {
            case .up: seatMap.moveTile(across: 0, down: -1, geometry: g)
            case .down: seatMap.moveTile(across: 0, down: 1, geometry: g)
            case .left: seatMap.moveTile(across: -1, down: 0, geometry: g)
            case .right: seatMap.moveTile(across: 1, down: 0, geometry: g)
            case .pageUp, .home: seatMap.moveTile(across: -seatMap.selectedSection, down: 0, geometry: g)
            case .pageDown, .end: seatMap.moveTile(across: seatMap.map?.sections.count ?? 0, down: 0, geometry: g)
            default: break
            }
            return
        }
        switch key {
        case .up: seatMap.moveRows(-1, geometry: g)
        case .down: seatMap.moveRows(1, geometry: g)
        case .left: seatMap.moveSeats(-1, geometry: g)
        case .right: seatMap.moveSeats(1, geometry: g)
        case .pageUp: seatMap.moveRows(-max(1, g.areaHeight - 2), geometry: g)
        case .pageDown: seatMap.moveRows(max(1, g.areaHeight - 2), geometry: g)
        case .home: seatMap.moveToRowEdge(end: false, geometry: g)
        case .end: seatMap.moveToRowEdge(end: true, geometry: g)
        default: break
        }
    }
}
