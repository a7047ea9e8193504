import NIOCore
import NIOSSL
import UsherCore

/// Trust by fingerprint: the server's leaf certificate must have exactly the
/// SHA-256 the device was given (in its enrollment code, then in its credential).
/// No CA and no host name are involved: a self-signed server certificate is fine,
/// and anything else, however well signed, is refused.
enum PinnedCertificate {
    static func verifier(
        _ pinned: CertificateFingerprint
    ) -> @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>) -> Void {
        { certificates, promise in
            guard let leaf = certificates.first, let der = try? leaf.toDERBytes(),
                CertificateFingerprint(der: der) == pinned
            else {
                promise.succeed(.failed)
                return
            }
            promise.succeed(.certificateVerified(VerificationMetadata(nil)))
        }
    }
}
