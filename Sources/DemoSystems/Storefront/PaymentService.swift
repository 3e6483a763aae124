import ServiceMesh
import Synchronization

/// Takes payments (idempotent by key: a retried request never charges twice) and refunds them.
public final class PaymentService: MeshService, Sendable {
    public let name = "payment-service"

    public struct Payment: Codable, Sendable, Equatable {
        public var orderId: String
        public var amountCents: Int
        public var capturedCents: Int
        public var refundedCents: Int
    }

    struct ChargeRequest: Codable { var orderId: String; var amountCents: Int }

    private let payments = Mutex([String: Payment]())
    private let keys = Mutex([String: String]())
    private let work: WorkSimulator

    public init(work: WorkSimulator) {
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/payments") { [self] request, _ in
            let body = try request.decode(ChargeRequest.self)
            guard body.amountCents > 0 else { throw BadRequestError(message: "amountCents must be above 0") }
            let key = request.headers[MeshHeader.idempotencyKey] ?? body.orderId
            try await work.work(5, 40) // the card network
            let payment: Payment = payments.withLock { payments in
                if let existing = keys.withLock({ $0[key] }).flatMap({ payments[$0] }) { return existing }
                let payment = Payment(orderId: body.orderId, amountCents: body.amountCents, capturedCents: body.amountCents, refundedCents: 0)
                payments[body.orderId] = payment
                keys.withLock { $0[key] = body.orderId }
                return payment
            }
            return .json(payment, status: 201)
        }
        router.post("/payments/:orderId/refund") { [self] _, context in
            let orderId = try context.parameter("orderId")
            try await work.work(3, 20)
            // Refunding what was never captured is a no-op: compensations may run when the charge's
            // outcome is unknown (a timeout), and must be safe to repeat.
            let payment = payments.withLock { payments -> Payment? in
                guard var payment = payments[orderId] else { return nil }
                payment.refundedCents = payment.capturedCents
                payments[orderId] = payment
                return payment
            }
            return payment.map { .json($0) } ?? Response(status: 204)
        }
        router.get("/payments/:orderId") { [self] _, context in
            let orderId = try context.parameter("orderId")
            guard let payment = payments.withLock({ $0[orderId] }) else { throw HTTPError(404, "no payment for order '\(orderId)'") }
            return .json(payment)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public func ledgerPayments() -> [StorefrontLedger.Payment] {
        payments.withLock { $0.values.map { StorefrontLedger.Payment(orderId: $0.orderId, capturedCents: $0.capturedCents, refundedCents: $0.refundedCents) } }
            .sorted { $0.orderId < $1.orderId }
    }
}
