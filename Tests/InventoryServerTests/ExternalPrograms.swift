import Testing

/// The suites that run other programs: scan-tui in tmux and RabbitMQ nodes. They
/// run one after another: a booting Erlang VM takes both cores of a small machine
/// for seconds, and a terminal starved that long sees a scanner's burst as slow
/// typing. (The other suites run alongside them.)
@Suite("External programs", .serialized)
struct ExternalPrograms {}
