import ServiceMesh
import Synchronization

/// Push notifications to riders' and drivers' phones: ride offers to drivers, "your driver is on
/// the way", receipts, cancellations. Counts what it sent, by kind.
public final class RideNotificationService: MeshService, Sendable {
    public let name = "notification-service"

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case rideOffer
        case driverAssigned
        case receipt
        case tripCancelled
    }

    public struct Notification: Codable, Sendable, Equatable {
        public var recipient: String
        public var kind: Kind
        public var tripId: String
        public var message: String

        public init(recipient: String, kind: Kind, tripId: String, message: String) {
            self.recipient = recipient
            self.kind = kind
            self.tripId = tripId
            self.message = message
        }
    }

    /// `POST /notifications/batch`.
    public struct Batch: Codable, Sendable {
        public var notifications: [Notification]
        public init(notifications: [Notification]) { self.notifications = notifications }
    }

    private let sent = Mutex([Kind: Int]())
    private let work: WorkSimulator

    public init(work: WorkSimulator) {
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/notifications") { [self] request, _ in
            let notification = try request.decode(Notification.self)
            try await work.work(0.5, 6) // the push provider
            record([notification])
            return Response(status: 202)
        }
        router.post("/notifications/batch") { [self] request, _ in
            let batch = try request.decode(Batch.self)
            try await work.work(0.5, 6)
            record(batch.notifications)
            return Response(status: 202)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    private func record(_ notifications: [Notification]) {
        sent.withLock { sent in
            for notification in notifications { sent[notification.kind, default: 0] += 1 }
        }
    }

    /// Notifications sent of `kind`.
    public func count(_ kind: Kind) -> Int { sent.withLock { $0[kind] ?? 0 } }

    public var total: Int { sent.withLock { $0.values.reduce(0, +) } }
}
