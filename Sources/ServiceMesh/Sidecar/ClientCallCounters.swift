import CoreMetrics
import Synchronization

/// `client_requests_total{caller, target, outcome}` of one channel: each call counted once by its
/// outcome, a response's status (`200`, `503`) or a ``MeshCallError/Kind`` (`unavailable`).
///
/// Counters are made on first use: a status's found by the number (a channel sees a handful, so a
/// scan beats hashing its text), an error kind's by name.
struct ClientCallCounters: ~Copyable, Sendable {
    private let caller: String
    private let target: String
    private let factory: any MetricsFactory
    private let counters = Mutex<(byStatus: [(Int, Counter)], byError: [String: Counter])>(([], [:]))

    init(caller: String, target: String, factory: any MetricsFactory) {
        self.caller = caller
        self.target = target
        self.factory = factory
    }

    func counter(status: Int) -> Counter {
        counters.withLock { counters in
            for (known, counter) in counters.byStatus where known == status { return counter }
            let counter = make(outcome: String(status))
            counters.byStatus.append((status, counter))
            return counter
        }
    }

    func counter(error kind: String) -> Counter {
        counters.withLock { counters in
            if let counter = counters.byError[kind] { return counter }
            let counter = make(outcome: kind)
            counters.byError[kind] = counter
            return counter
        }
    }

    private func make(outcome: String) -> Counter {
        Counter(label: "client_requests_total", dimensions: [("caller", caller), ("target", target), ("outcome", outcome)], factory: factory)
    }
}
