import ArgumentParser
import GRPCNIOTransportHTTP2
import Logging
import UsherCore

/// The server's certificate and key (PEM), and optionally the CA whose client
/// certificates it requires (mutual TLS).
struct TLSFiles: Sendable {
    var certificateChain: String
    var privateKey: String
    var clientCA: String?

    var serverSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        let chain: [TLSConfig.CertificateSource] = [.file(path: certificateChain, format: .pem)]
        let key: TLSConfig.PrivateKeySource = .file(path: privateKey, format: .pem)
        guard let clientCA else { return .tls(certificateChain: chain, privateKey: key) }
        return .mTLS(certificateChain: chain, privateKey: key) {
            $0.trustRoots = .certificates([.file(path: clientCA, format: .pem)])
        }
    }
}

/// `--tls-cert` / `--tls-key` (both or neither) and `--tls-client-ca`.
struct TLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve gRPC over TLS with this certificate chain (PEM) (env USHER_TLS_CERT).", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The certificate's private key (PEM) (env USHER_TLS_KEY).", valueName: "file"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("Require client certificates signed by this CA (PEM): mutual TLS.", valueName: "file"))
    var tlsClientCA: String?

    func files() throws -> TLSFiles? {
        let cert = tlsCert ?? Environment.string("USHER_TLS_CERT")
        let key = tlsKey ?? Environment.string("USHER_TLS_KEY")
        switch (cert, key) {
        case (nil, nil):
            if tlsClientCA != nil { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
            return nil
        case (let cert?, let key?):
            return TLSFiles(certificateChain: cert, privateKey: key, clientCA: tlsClientCA)
        default:
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    /// The fingerprint terminals pin: of `--tls-cert` when given, else of the
    /// server's own certificate in the data directory (made now if missing, exactly
    /// as the server would make it at start).
    func certificateFingerprint(dataDir: String, logger: Logger) throws -> CertificateFingerprint {
        let files = try files() ?? ServerCertificate.loadOrCreate(dataDir: dataDir, logger: logger)
        return try ServerCertificate.fingerprint(ofPEMFile: files.certificateChain)
    }
}
