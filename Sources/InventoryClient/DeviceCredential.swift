import Foundation
import UsherCore

/// What a terminal keeps after enrolling: where its server is, the certificate it
/// pinned, who it is, and its token. `scan-tui` stores it as device.json (0600) and
/// needs nothing else to start.
public struct DeviceCredential: Sendable, Hashable, Codable {
    /// `host:port`.
    public var server: String
    public var token: String
    public var fingerprint: CertificateFingerprint
    public var name: String
    public var role: DeviceRole
    /// A door's hall.
    public var hall: String?

    public init(
        server: String, token: String, fingerprint: CertificateFingerprint, name: String, role: DeviceRole, hall: String?
    ) {
        self.server = server
        self.token = token
        self.fingerprint = fingerprint
        self.name = name
        self.role = role
        self.hall = hall
    }

    /// A client configuration that talks to the credential's server, pinned, with its token.
    public func clientConfiguration() throws(InventoryClientError) -> InventoryClientConfiguration {
        var configuration = try InventoryClientConfiguration(target: server, security: .pinned(fingerprint))
        configuration.credential = token
        return configuration
    }
}

extension InventoryClient {
    /// Enrolls this device: EnrollDevice over TLS pinned to the code's fingerprint,
    /// exchanging the code's one-time secret for a credential. Nothing is stored
    /// here; the caller writes the credential where it keeps it.
    public static func enroll(
        _ code: EnrollmentCode, deadline: Duration = .seconds(10)
    ) async throws(InventoryClientError) -> DeviceCredential {
        var configuration = try InventoryClientConfiguration(target: code.server, security: .pinned(code.fingerprint))
        configuration.deadlines = .init(scan: deadline, read: deadline, write: deadline)
        let enrolled: DeviceCredential
        do {
            enrolled = try await withInventoryClient(configuration) { client in
                try await client.enrollDevice(secret: code.secret, code: code)
            }
        } catch let error as InventoryClientError {
            throw error
        } catch {
            throw InventoryClientError(kind: .serverError, userMessage: "enrollment failed: \(error)")
        }
        return enrolled
    }
}
