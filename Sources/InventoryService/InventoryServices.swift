import GRPCCore
import InventoryStore
import Logging

/// What the server registers: the inventory and health services plus the metrics
/// interceptor. The concrete types (which speak generated protobuf types) stay
/// internal to this module.
public enum InventoryServices {
    public static func make(
        store: InventoryStore, servingState: ServingState,
        holdExpiry: any HoldExpiryScheduling = SweepOnlyHoldExpiry(), logger: Logger
    ) -> [any RegistrableRPCService] {
        [
            InventoryRPCService(store: store, holdExpiry: holdExpiry, logger: logger),
            HealthRPCService(state: servingState),
        ]
    }

    public static func interceptors() -> [any ServerInterceptor] {
        [RPCMetricsInterceptor()]
    }
}
