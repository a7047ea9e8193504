import Foundation
import UsherCore

/// A device as `devices list` shows it: who it is and where it stands. No secret,
/// not even a digest, leaves the store.
public struct DeviceRecord: Sendable, Equatable {
    public enum Standing: String, Sendable {
        /// Added or rolled; its enrollment code is waiting to be used.
        case awaitingEnrollment = "awaiting enrollment"
        /// Its enrollment code expired unused; `devices roll` issues a new one.
        case enrollmentExpired = "enrollment expired"
        case enrolled
        case revoked
    }

    public var identity: DeviceIdentity
    public var standing: Standing
    public var createdAt: Date
    public var enrolledAt: Date?
    public var lastSeenAt: Date?
    public var revokedAt: Date?
}

/// A one-time enrollment secret, as `devices add` and `devices roll` hand it out:
/// shown once, stored only as its digest.
public struct EnrollmentGrant: Sendable {
    public var device: DeviceIdentity
    public var secret: String
    public var expiresAt: Date
}

/// What EnrollDevice gives a terminal in exchange for its enrollment secret: its
/// identity and its token, shown once.
public struct EnrolledDevice: Sendable {
    public var device: DeviceIdentity
    public var token: String
}

extension DeviceIdentity {
    /// A row's `name, role, hall_id`; a row the schema's checks let through always decodes.
    init(row name: String, role: String, hallID: String?) throws(StoreError) {
        guard let role = DeviceRole(rawValue: role) else { throw .internalError("device \(name) has unknown role \(role)") }
        do {
            try self.init(name: name, role: role, hallID: hallID)
        } catch {
            throw .internalError("device \(name) is malformed: \(error)")
        }
    }
}
