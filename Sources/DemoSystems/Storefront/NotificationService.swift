import Foundation
import ServiceMesh
import Synchronization

/// Sends order notifications. It consumes `order.confirmed` and `order.cancelled` from the event
/// bus, which pushes each event to its `POST /events` endpoint through the mesh (so a fault on
/// this service makes deliveries fail, retry and dead-letter, as with a real push subscription).
/// Idempotent by event id: a redelivered event is not sent twice.
public final class NotificationService: MeshService, Sendable {
    public let name = "notification-service"

    public struct OrderEvent: Codable, Sendable, Equatable {
        public var orderId: String
        public var userId: String
        public var reason: String?
    }

    private struct State {
        var seen: Set<String> = []
        var sent: [String: [StorefrontLedger.NotificationKind]] = [:]
    }

    private let state = Mutex(State())
    private let work: WorkSimulator

    public init(work: WorkSimulator) {
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/events") { [self] request, _ in
            let envelope = try request.decode(EventEnvelope.self)
            let event: OrderEvent
            do { event = try envelope.decode(OrderEvent.self) } catch { throw BadRequestError(message: "not an order event: \(error)") }
            let kind: StorefrontLedger.NotificationKind
            switch envelope.type {
            case "order.confirmed": kind = .orderConfirmed
            case "order.cancelled": kind = .orderCancelled
            default: throw BadRequestError(message: "unexpected event type '\(envelope.type)'")
            }
            try await work.work(2, 12) // the mail provider
            state.withLock { state in
                guard state.seen.insert(envelope.id).inserted else { return }
                state.sent[event.orderId, default: []].append(kind)
            }
            return Response(status: 202)
        }
        router.get("/notifications/:orderId") { [self] _, context in
            let orderId = try context.parameter("orderId")
            return .json(state.withLock { $0.sent[orderId] ?? [] }.map(\.rawValue))
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public func ledgerNotifications() -> [String: [StorefrontLedger.NotificationKind]] {
        state.withLock { $0.sent }
    }
}
