import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import InventoryProto
import InventoryStore
import PostgresNIO
import UsherCore

/// Device credentials for tests, made through the real flow: the store operation
/// `devices add` runs, then the EnrollDevice RPC to the running server. One device
/// per name, enrolled on first use and reused after.
actor TestDevices {
    let database: PostgresClient.Configuration
    /// Sends EnrollDevice with a secret to the server under test; returns the token.
    let enroll: @Sendable (String) async throws -> String
    private var tokens: [String: Task<String, any Error>] = [:]

    init(database: PostgresClient.Configuration, enroll: @escaping @Sendable (String) async throws -> String) {
        self.database = database
        self.enroll = enroll
    }

    /// Enrolls through a raw client on `port` (plaintext on loopback, as the test servers serve).
    init(database: PostgresClient.Configuration, port: Int) {
        self.init(database: database) { secret in
            try await withRawInventoryClient(port: port, token: nil) { inventory in
                try await inventory.enrollDevice(.with { $0.enrollmentSecret = secret }).token
            }
        }
    }

    /// The token of the device `name`, enrolled now if it is new. Tests scan as
    /// admins named for the terminal they play (an admin may scan at any hall), and
    /// as doors where the hall limit is the point.
    func token(_ name: String, role: DeviceRole = .admin, hall: String? = nil) async throws -> String {
        if let existing = tokens[name] { return try await existing.value }
        let database = self.database
        let enroll = self.enroll
        let task = Task {
            let device = try DeviceIdentity(name: name, role: role, hallID: hall)
            let grant = try await withClient(database) { client in
                let store = InventoryStore(client: client, logger: TestCluster.logger, keyring: TestKeys.keyring)
                do {
                    return try await store.addDevice(device)
                } catch StoreError.alreadyExists {
                    // Added by an earlier server on this database: re-issued, as an operator would.
                    return try await store.rollDevice(named: name)
                }
            }
            return try await enroll(grant.secret)
        }
        tokens[name] = task
        return try await task.value
    }

    /// Call metadata that presents the device `name`'s credential.
    func metadata(_ name: String, role: DeviceRole = .admin, hall: String? = nil) async throws -> Metadata {
        Self.bearer(try await token(name, role: role, hall: hall))
    }

    static func bearer(_ token: String) -> Metadata {
        var metadata = Metadata()
        metadata.addString("Bearer \(token)", forKey: "authorization")
        return metadata
    }
}
