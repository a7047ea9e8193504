import PostgresNIO
import _ConnectionPoolModule

/// Turns PostgresNIO errors into ``StoreError`` by SQLSTATE class, so no SQL text or
/// server detail reaches a client. Anything unknown is an internal error.
enum DatabaseErrorClassifier {
    static func classify(_ error: any Error, seatID: String?) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let transactionError = error as? PostgresTransactionError {
            if let inner = transactionError.closureError { return classify(inner, seatID: seatID) }
            if let inner = transactionError.beginError { return classify(inner, seatID: seatID) }
            if let inner = transactionError.commitError { return classify(inner, seatID: seatID) }
            return .internalError("transaction failed")
        }
        if error is CancellationError { return .unavailable("the database call was cancelled") }
        // The pool's own failures: no connection could be made (circuit breaker), the
        // pool is shutting down, or the wait for a connection was cancelled by our bound.
        if error is ConnectionPoolError { return .unavailable("no database connection available") }
        guard let psql = error as? PSQLError else { return .internalError(String(describing: type(of: error))) }
        if let state = psql.serverInfo?[.sqlState] {
            // read_only_sql_transaction: a standby since a failover. The health probe
            // moves calls to the new primary (DatabaseNodes); the door's retry lands there.
            if state == "25006" { return .unavailable("the database host is a standby now; finding the primary") }
            switch PostgresError.Code(raw: state) {
            case .lockNotAvailable:
                return .seatBusy(seatID: seatID ?? "")
            case .queryCanceled:
                return .unavailable("the database call timed out")
            case .adminShutdown, .crashShutdown, .cannotConnectNow, .idleInTransactionSessionTimeout:
                return .unavailable("the database is shutting down or starting")
            case .serializationFailure, .deadlockDetected:
                return .seatBusy(seatID: seatID ?? "")
            default:
                if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57") {
                    return .unavailable("the database connection failed")
                }
                return .internalError("database error \(state)")
            }
        }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed,
            .uncleanShutdown, .queryCancelled:
            return .unavailable("the database connection failed")
        default:
            return .internalError("database client error \(psql.code)")
        }
    }

    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let transactionError = error as? PostgresTransactionError {
            return [transactionError.closureError, transactionError.commitError].contains {
                $0.map(isUniqueViolation) ?? false
            }
        }
        guard let psql = error as? PSQLError, let state = psql.serverInfo?[.sqlState] else { return false }
        return PostgresError.Code(raw: state) == .uniqueViolation
    }
}
