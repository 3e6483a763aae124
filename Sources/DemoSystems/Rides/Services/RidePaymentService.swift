import ServiceMesh
import Synchronization

/// Charges riders for completed trips, idempotent by key: the same charge sent again (a retry
/// after a timeout, a repeated completion) returns the first one and captures nothing more. The
/// same key with a different amount is refused.
public final class RidePaymentService: MeshService, Sendable {
    public let name = "payment-service"

    /// `POST /payments`, with an `idempotency-key` header (the trip id when there is none).
    public struct ChargeRequest: Codable, Sendable {
        public var tripId: String
        public var riderId: String
        public var amountCents: Int

        public init(tripId: String, riderId: String, amountCents: Int) {
            self.tripId = tripId
            self.riderId = riderId
            self.amountCents = amountCents
        }
    }

    public struct Payment: Codable, Sendable, Equatable {
        public var tripId: String
        public var riderId: String
        public var amountCents: Int
        /// How many times this trip's fare was captured: 1, whatever the retries.
        public var captures: Int
    }

    private struct State {
        var payments: [String: Payment] = [:]
        /// Idempotency key → trip id.
        var keys: [String: String] = [:]
        var replays = 0
    }

    private let state = Mutex(State())
    private let work: WorkSimulator

    public init(work: WorkSimulator) {
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/payments") { [self] request, _ in
            let body = try request.decode(ChargeRequest.self)
            guard body.amountCents > 0 else { throw BadRequestError(message: "amountCents must be above 0, got \(body.amountCents)") }
            let key = request.headers[MeshHeader.idempotencyKey] ?? body.tripId
            try await work.work(3, 25) // the card network
            return try charge(body, key: key)
        }
        router.get("/payments/:tripId") { [self] _, context in
            let tripId = try context.parameter("tripId")
            guard let payment = state.withLock({ $0.payments[tripId] }) else { throw HTTPError(404, "no payment for trip '\(tripId)'") }
            return .json(payment)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    private func charge(_ body: ChargeRequest, key: String) throws -> Response {
        try state.withLock { state in
            if let tripId = state.keys[key], let existing = state.payments[tripId] {
                guard existing.amountCents == body.amountCents, existing.tripId == body.tripId else {
                    throw HTTPError(409, "idempotency key '\(key)' was used for \(existing.amountCents) cents on trip \(existing.tripId); this request asks \(body.amountCents) cents on trip \(body.tripId)")
                }
                state.replays += 1
                return .json(existing, status: 200)
            }
            if let existing = state.payments[body.tripId] {
                throw HTTPError(409, "trip \(body.tripId) was already charged \(existing.amountCents) cents under another key")
            }
            let payment = Payment(tripId: body.tripId, riderId: body.riderId, amountCents: body.amountCents, captures: 1)
            state.payments[body.tripId] = payment
            state.keys[key] = body.tripId
            return .json(payment, status: 201)
        }
    }

    /// Charges replayed from their key rather than captured again.
    public var replayCount: Int { state.withLock { $0.replays } }

    public var paymentCount: Int { state.withLock { $0.payments.count } }

    public func ledgerCharges() -> [RidesLedger.Charge] {
        state.withLock { state in
            state.payments.values.map { RidesLedger.Charge(tripId: $0.tripId, amountCents: $0.amountCents, captures: $0.captures) }
        }.sorted { RidesInvariantChecker.idOrder($0.tripId, $1.tripId) }
    }
}
