import ServiceMesh
import Synchronization

extension Marketplace {
    /// Where a parcel is: consumes `shipment.dispatched` and answers `GET /tracking/:orderId` to
    /// the order's own customer, the status following the time since dispatch (label created,
    /// in transit, out for delivery, delivered).
    public final class TrackingService: MeshService, Sendable {
        public let name = "tracking-service"

        public struct Tracking: Codable, Sendable, Equatable {
            public var orderId: String
            public var carrier: String
            public var trackingNumber: String
            public var status: String
        }

        private struct Entry {
            var shipment: ShippingService.Shipment
            var dispatchedAt: Duration
        }

        private struct State {
            var entries: [String: Entry] = [:]
            /// Orders in the order they became trackable, for the traffic's lookups.
            var order: [String] = []
            var lookups = 0
        }

        private let state = Mutex(State())
        private let now: @Sendable () -> Duration
        private let work: WorkSimulator

        public init(now: @escaping @Sendable () -> Duration, work: WorkSimulator) {
            self.now = now
            self.work = work
        }

        /// The status `elapsed` after dispatch (parcels move on the run's compressed clock).
        static func status(after elapsed: Duration) -> String {
            switch elapsed {
            case ..<Duration.seconds(2): "label created"
            case ..<Duration.seconds(6): "in transit"
            case ..<Duration.seconds(9): "out for delivery"
            default: "delivered"
            }
        }

        public var router: Router {
            var router = Router()
            router.post("/events") { [self] request, _ in
                let envelope = try request.decode(EventEnvelope.self)
                let shipment: ShippingService.Shipment
                do { shipment = try envelope.decode(ShippingService.Shipment.self) } catch { throw BadRequestError(message: "not a shipment event: \(error)") }
                try await work.work(0.3, 2)
                let time = now()
                state.withLock { state in
                    guard state.entries[shipment.orderId] == nil else { return }
                    state.entries[shipment.orderId] = Entry(shipment: shipment, dispatchedAt: time)
                    state.order.append(shipment.orderId)
                }
                return Response(status: 202)
            }
            router.get("/tracking/:orderId") { [self] request, context in
                let orderId = try context.parameter("orderId")
                try await work.work(0.5, 4)
                let time = now()
                let entry = state.withLock { state -> Entry? in
                    state.lookups += 1
                    return state.entries[orderId]
                }
                // Another customer's order is as unknown as one not shipped yet.
                guard let entry, entry.shipment.customerId == request.headers[MeshHeader.userID] else {
                    throw HTTPError(404, "no shipment for order \(orderId) yet")
                }
                return .json(Tracking(orderId: orderId, carrier: entry.shipment.carrier, trackingNumber: entry.shipment.trackingNumber,
                                      status: Self.status(after: time - entry.dispatchedAt)))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        public var lookups: Int { state.withLock { $0.lookups } }
        public var trackedCount: Int { state.withLock { $0.entries.count } }

        /// A trackable order picked by `index` among the newest `recent`, with its customer; nil
        /// while none is.
        public func recentShipment(_ index: Int, among recent: Int = 200) -> (orderId: String, customerId: String)? {
            state.withLock { state in
                guard !state.order.isEmpty else { return nil }
                let window = min(recent, state.order.count)
                let orderId = state.order[state.order.count - 1 - index % window]
                return (orderId, state.entries[orderId]!.shipment.customerId)
            }
        }

        public func ledgerTracked() -> Set<String> { state.withLock { Set($0.entries.keys) } }
    }
}
