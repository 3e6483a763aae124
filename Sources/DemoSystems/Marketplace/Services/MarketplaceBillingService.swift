import ServiceMesh
import Synchronization

extension Marketplace {
    /// Invoices: one per order, written from the quote's lines (so the invoice says what was
    /// charged, not today's price), idempotent by order id; voided when the order is compensated.
    public final class BillingService: MeshService, Sendable {
        public let name = "billing-service"

        public struct Invoice: Codable, Sendable, Equatable {
            public var orderId: String
            public var customerId: String
            public var lines: [PricingService.Quote.Line]
            public var totalCents: Int
            public var void: Bool
        }

        struct Issue: Codable { var orderId: String; var customerId: String; var lines: [PricingService.Quote.Line] }

        private struct State {
            var invoices: [String: Invoice] = [:]
            var voided = 0
        }

        private let state = Mutex(State())
        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        public var router: Router {
            var router = Router()
            router.post("/invoices") { [self] request, _ in
                let body = try request.decode(Issue.self)
                try await work.work(1, 6)
                let invoice = state.withLock { state in
                    if let existing = state.invoices[body.orderId] { return existing }
                    let invoice = Invoice(orderId: body.orderId, customerId: body.customerId, lines: body.lines,
                                          totalCents: body.lines.reduce(0) { $0 + $1.unitCents * $1.quantity }, void: false)
                    state.invoices[body.orderId] = invoice
                    return invoice
                }
                return .json(invoice, status: 201)
            }
            router.post("/invoices/:orderId/void") { [self] _, context in
                let orderId = try context.parameter("orderId")
                try await work.work(0.5, 3)
                state.withLock { state in
                    guard state.invoices[orderId]?.void == false else { return }
                    state.invoices[orderId]?.void = true
                    state.voided += 1
                }
                return Response(status: 204)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// Invoices issued and voided.
        public var counts: (issued: Int, voided: Int) { state.withLock { ($0.invoices.count, $0.voided) } }

        public func ledgerInvoices() -> [String: MarketplaceLedger.Invoice] {
            state.withLock { $0.invoices.mapValues { MarketplaceLedger.Invoice(totalCents: $0.totalCents, void: $0.void) } }
        }
    }
}
