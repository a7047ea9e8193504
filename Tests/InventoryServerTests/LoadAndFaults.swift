import Testing

/// The suites that load the machine on purpose: racing doors, several server
/// processes, the database taken away. They run one after another (beside the
/// other suites), so each meets the load it makes, not three others' on two cores:
/// run together they starved each other past deadlines that belong to the server.
@Suite("Load and faults", .serialized)
struct LoadAndFaults {}
