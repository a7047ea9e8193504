import Logging
import ServiceLifecycle

/// `--insecure-plaintext` off loopback: allowed, and never forgotten. A warning at
/// start and every minute after, so a log reader sees it whenever they look.
struct PlaintextWarning: Service {
    let address: String
    let logger: Logger

    func run() async throws {
        // The sleep ends with the shutdown, not a minute later.
        try? await cancelWhenGracefulShutdown {
            while true {
                logger.warning(
                    "serving gRPC in PLAINTEXT off loopback (--insecure-plaintext): credentials and tickets cross the network unencrypted",
                    metadata: ["address": "\(address)"])
                try await Task.sleep(for: .seconds(60))
            }
        }
    }
}
