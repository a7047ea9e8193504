import ArgumentParser
import Foundation
import Logging
import UsherCore

/// Which keys sign and verify ticket codes.
struct TicketKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ticket signing key file; it must exist. Without this option: <data-dir>/signing-key, made at first start (mode 0600) (env USHER_SIGNING_KEY).",
        valueName: "path"))
    var signingKey: String?

    @Option(help: ArgumentHelp(
        "A further key file whose codes stay valid (key rotation); repeatable. Public or private key files.",
        valueName: "path"))
    var verificationKey: [String] = []

    @Flag(help: "Allow the public demo signing key (assets/keys/DEMO-ONLY-signing-key), which anyone can sign tickets with. For `make demo` only (env USHER_DEMO=1).")
    var demo = false

    /// The public half of assets/keys/DEMO-ONLY-signing-key. Its private half is in
    /// the repository, so tickets signed with it prove nothing: refused unless --demo.
    static let demoPublicKey = "jubQEZGPNmZX8XfTA1FRFB8U5x7wBQy+qwQ59V0DGTc="

    func keyring(dataDir: String, logger: Logger) throws -> TicketKeyring {
        let signer: TicketSigningKey
        if let path = signingKey ?? Environment.string("USHER_SIGNING_KEY") {
            // A named key is never replaced: a new key would void every ticket sold.
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError(
                    "signing key \(path) does not exist; restore it (tickets already sold are signed with it), or drop --signing-key to use <data-dir>/signing-key")
            }
            guard case .signing(let key) = try KeyFiles.load(URL(fileURLWithPath: path)) else {
                throw ValidationError("\(path) holds a public key; --signing-key needs the private key")
            }
            signer = key
        } else {
            signer = try KeyFiles.loadOrCreateSigningKey(
                at: URL(fileURLWithPath: dataDir).appendingPathComponent("signing-key"), logger: logger)
        }
        if signer.verificationKey.rawRepresentation.base64EncodedString() == Self.demoPublicKey
            && !(demo || Environment.string("USHER_DEMO") == "1")
        {
            throw ValidationError(
                "refusing the public demo signing key: anyone can sign tickets with it. Use your own key (drop --signing-key to have one made), or pass --demo for a demonstration")
        }
        let others = try verificationKey.map { try KeyFiles.load(URL(fileURLWithPath: $0)).verificationKey }
        let keyring = TicketKeyring(signer: signer, alsoAccepted: others)
        logger.info(
            "ticket keys", metadata: ["signing": "\(signer.keyID)", "accepted": "\(keyring.verificationKeys.map(\.keyID.description))"])
        return keyring
    }
}
