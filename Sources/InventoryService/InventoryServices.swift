import GRPCCore
import InventoryProto
import InventoryStore
import Logging

/// What the server registers: the inventory and health services plus the metrics,
/// caller-deadline and device-authentication interceptors. The concrete types (which speak generated protobuf types) stay
/// internal to this module.
public enum InventoryServices {
    /// - Parameter omittedMethods: inventory methods to leave out, so the server
    ///   answers them UNIMPLEMENTED like an older server would. Empty in production;
    ///   tests use ``hallViewMethods`` to play a server from before seat maps.
    public static func make(
        store: InventoryStore, servingState: ServingState,
        holdExpiry: any HoldExpiryScheduling = SweepOnlyHoldExpiry(), omittedMethods: Set<MethodDescriptor> = [],
        logger: Logger
    ) -> [any RegistrableRPCService] {
        let inventory = InventoryRPCService(store: store, holdExpiry: holdExpiry, servingState: servingState, logger: logger)
        return [
            omittedMethods.isEmpty ? inventory : OmittingMethods(service: inventory, omitted: omittedMethods),
            HealthRPCService(state: servingState),
        ]
    }

    /// ListHallSeats and GetHallOccupancy: the methods a server from before seat maps lacks.
    public static let hallViewMethods: Set<MethodDescriptor> = [
        Inventory_InventoryService.Method.ListHallSeats.descriptor,
        Inventory_InventoryService.Method.GetHallOccupancy.descriptor,
    ]

    /// Metrics first, so refusals are counted by code; the caller's deadline before
    /// authentication, so the credential look-up answers within it too.
    public static func interceptors(store: InventoryStore, servingState: ServingState, logger: Logger) -> [any ServerInterceptor] {
        [
            RPCMetricsInterceptor(), CallerDeadlineInterceptor(),
            DeviceAuthInterceptor(store: store, servingState: servingState, logger: logger),
        ]
    }
}

/// A service registered without some of its methods: the router has no handler for
/// them, so GRPCServer answers UNIMPLEMENTED exactly as for a method it never knew.
struct OmittingMethods: RegistrableRPCService {
    let service: any RegistrableRPCService
    let omitted: Set<MethodDescriptor>

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        service.registerMethods(with: &router)
        for method in omitted { router.removeHandler(forMethod: method) }
    }
}
