import ArgumentParser
import Foundation
import Logging
import UsherCore

/// Which keys sign and verify ticket codes.
struct TicketKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ticket signing key file; created at first start (mode 0600) if missing. Default: <data-dir>/signing-key (env USHER_SIGNING_KEY).",
        valueName: "path"))
    var signingKey: String?

    @Option(help: ArgumentHelp(
        "A further key file whose codes stay valid (key rotation); repeatable. Public or private key files.",
        valueName: "path"))
    var verificationKey: [String] = []

    func keyring(dataDir: String, logger: Logger) throws -> TicketKeyring {
        let path = signingKey ?? Environment.string("USHER_SIGNING_KEY")
            ?? URL(fileURLWithPath: dataDir).appendingPathComponent("signing-key").path
        let signer = try KeyFiles.loadOrCreateSigningKey(at: URL(fileURLWithPath: path), logger: logger)
        let others = try verificationKey.map { try KeyFiles.load(URL(fileURLWithPath: $0)).verificationKey }
        let keyring = TicketKeyring(signer: signer, alsoAccepted: others)
        logger.info(
            "ticket keys", metadata: ["signing": "\(signer.keyID)", "accepted": "\(keyring.verificationKeys.map(\.keyID.description))"])
        return keyring
    }
}
