import ServiceMesh
import Synchronization

extension Marketplace {
    /// Captures payments (idempotent by key: a retried charge never captures twice) and refunds
    /// them (idempotent; a no-op when nothing was captured). The card network declines the cards
    /// ``MarketplaceCatalog`` marks as declined (402).
    public final class PaymentService: MeshService, Sendable {
        public let name = "payment-service"

        public struct Payment: Codable, Sendable, Equatable {
            public var orderId: String
            public var capturedCents: Int
            public var refundedCents: Int
        }

        struct Charge: Codable { var orderId: String; var amountCents: Int; var paymentMethod: String }

        public struct Stats: Sendable, Equatable {
            public var captured = 0
            public var declined = 0
            public var refunds = 0
        }

        private struct State {
            var payments: [String: Payment] = [:]
            var keys: [String: String] = [:]
            var stats = Stats()
        }

        private let state = Mutex(State())
        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        public var router: Router {
            var router = Router()
            router.post("/payments") { [self] request, _ in
                let body = try request.decode(Charge.self)
                guard body.amountCents > 0 else { throw BadRequestError(message: "amountCents must be above 0 (got \(body.amountCents))") }
                let key = request.headers[MeshHeader.idempotencyKey] ?? body.orderId
                try await work.work(4, 30) // the card network
                guard !body.paymentMethod.hasPrefix("card-declined") else {
                    state.withLock { $0.stats.declined += 1 }
                    throw HTTPError(402, "the card was declined")
                }
                let payment = state.withLock { state in
                    if let existing = state.keys[key].flatMap({ state.payments[$0] }) { return existing }
                    let payment = Payment(orderId: body.orderId, capturedCents: body.amountCents, refundedCents: 0)
                    state.payments[body.orderId] = payment
                    state.keys[key] = body.orderId
                    state.stats.captured += 1
                    return payment
                }
                return .json(payment, status: 201)
            }
            router.post("/payments/:orderId/refund") { [self] _, context in
                let orderId = try context.parameter("orderId")
                try await work.work(2, 12)
                let payment = state.withLock { state -> Payment? in
                    guard var payment = state.payments[orderId] else { return nil }
                    if payment.refundedCents < payment.capturedCents {
                        payment.refundedCents = payment.capturedCents
                        state.payments[orderId] = payment
                        state.stats.refunds += 1
                    }
                    return payment
                }
                return payment.map { .json($0) } ?? Response(status: 204)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        public func ledgerPayments() -> [String: MarketplaceLedger.Payment] {
            state.withLock { $0.payments.mapValues { MarketplaceLedger.Payment(capturedCents: $0.capturedCents, refundedCents: $0.refundedCents) } }
        }
    }
}
