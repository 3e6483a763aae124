import ServiceMesh
import Synchronization

extension Marketplace {
    /// Picks and packs placed orders. It consumes `order.placed` (pushed to `POST /events`),
    /// ships the order's reserved units at inventory-service and publishes `order.packed` on
    /// ``fulfilmentTopic`` for shipping-service. Idempotent by order id; an order whose
    /// reservation is gone (cancelled meanwhile) is skipped, not retried.
    public final class FulfillmentService: MeshService, Sendable {
        public let name = "fulfillment-service"
        public static let fulfilmentTopic = "fulfilment"

        private struct State {
            var packed: Set<String> = []
            var skipped = 0
        }

        private let state = Mutex(State())
        private let mesh: Mesh
        private let work: WorkSimulator

        public init(mesh: Mesh, work: WorkSimulator) {
            self.mesh = mesh
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.post("/events") { [self] request, context in
                let envelope = try request.decode(EventEnvelope.self)
                let order: OrderService.OrderEvent
                do { order = try envelope.decode(OrderService.OrderEvent.self) } catch { throw BadRequestError(message: "not an order event: \(error)") }
                guard !state.withLock({ $0.packed.contains(order.orderId) }) else { return Response(status: 202) }
                try await work.work(0.5, 3) // the warehouse
                let shipped = try await context.client.call("inventory-service", Request(method: .post, path: "/reservations/\(order.orderId)/ship"))
                if shipped.status == 404 {
                    state.withLock { $0.skipped += 1 }
                    return Response(status: 202)
                }
                guard shipped.isSuccess else { throw HTTPError(503, "inventory-service could not ship order \(order.orderId): \(shipped.errorMessage ?? "\(shipped.status)")") }
                let first = state.withLock { $0.packed.insert(order.orderId).inserted }
                if first {
                    try mesh.eventBus.publish(Self.fulfilmentTopic, type: "order.packed", data: order, source: name)
                }
                return Response(status: 202)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// Orders packed (their units shipped from stock).
        public var packedCount: Int { state.withLock { $0.packed.count } }

        public func ledgerPacked() -> Set<String> { state.withLock { $0.packed } }
    }
}
