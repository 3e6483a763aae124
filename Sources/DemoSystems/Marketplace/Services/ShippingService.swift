import ServiceMesh
import Synchronization

extension Marketplace {
    /// Books a carrier for each packed order: consumes `order.packed`, creates the shipment with
    /// a tracking number (idempotent by order id) and publishes `shipment.dispatched` on
    /// ``shipmentsTopic`` for tracking-service.
    public final class ShippingService: MeshService, Sendable {
        public let name = "shipping-service"
        public static let shipmentsTopic = "shipments"

        public struct Shipment: Codable, Sendable, Equatable {
            public var orderId: String
            public var customerId: String
            public var carrier: String
            public var trackingNumber: String
        }

        static let carriers = ["UPS", "DHL", "FedEx", "USPS"]

        private let shipments = Mutex([String: Shipment]())
        private let mesh: Mesh
        private let work: WorkSimulator

        public init(mesh: Mesh, work: WorkSimulator) {
            self.mesh = mesh
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.post("/events") { [self] request, _ in
                let envelope = try request.decode(EventEnvelope.self)
                let order: OrderService.OrderEvent
                do { order = try envelope.decode(OrderService.OrderEvent.self) } catch { throw BadRequestError(message: "not an order event: \(error)") }
                try await work.work(0.5, 3) // the carrier's booking API
                let number = Int(order.orderId.split(separator: "-").last ?? "") ?? 0
                let shipment = Shipment(orderId: order.orderId, customerId: order.customerId, carrier: Self.carriers[number % Self.carriers.count],
                                        trackingNumber: "TRK\(100_000_000 + number)")
                let first = shipments.withLock { shipments in
                    guard shipments[order.orderId] == nil else { return false }
                    shipments[order.orderId] = shipment
                    return true
                }
                if first {
                    try mesh.eventBus.publish(Self.shipmentsTopic, type: "shipment.dispatched", data: shipment, source: name)
                }
                return Response(status: 202)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        public var shipmentCount: Int { shipments.withLock { $0.count } }

        public func ledgerShipped() -> Set<String> { shipments.withLock { Set($0.keys) } }
    }
}
