#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Randomness

/// When each request of an open-loop run is sent: request n's send time, measured from the start
/// of the run, fixed in advance by the rate and the seed — never by how fast earlier requests were
/// answered (that would be coordinated omission: a slow system would quietly receive less load and
/// its latency would look better than it is).
///
/// Two arrival processes:
/// - ``Process/poisson`` (the default): gaps between requests are exponentially distributed with
///   mean 1/rps, as when many independent users act on their own. The demo uses it because real
///   traffic comes in bursts, and bursts are what fill a bulkhead, trip a limiter and show queueing
///   in p99; a metronome hides all three. The mean rate is still `rps`.
/// - ``Process/fixedInterval``: request n at exactly n / rps (the first at 0). Easy to reason about,
///   for tests and for measuring the generator's own ceiling.
///
/// Deterministic: the same rate, process and seed give the same times, on every machine.
/// Iterate it as a `Sequence` of ``Arrival``s (unbounded; stop at the run's end).
public struct ArrivalSchedule: Sequence, Sendable, Equatable {
    public enum Process: String, Sendable, Equatable, CaseIterable {
        case poisson
        case fixedInterval
    }

    /// Mean requests per second; > 0.
    public let rps: Double
    public let process: Process
    public let seed: UInt64

    /// - Throws: ``TrafficConfigurationError`` when `rps` is not a finite number > 0.
    public init(rps: Double, process: Process = .poisson, seed: UInt64) throws(TrafficConfigurationError) {
        guard rps.isFinite, rps > 0 else {
            throw TrafficConfigurationError(problem: "the request rate must be a number greater than 0 (got \(rps))")
        }
        self.rps = rps
        self.process = process
        self.seed = seed
    }

    /// Arrivals scheduled before `end`, in order.
    public func arrivals(before end: Duration) -> [Arrival] {
        Array(prefix { $0.offset < end })
    }

    public func makeIterator() -> Iterator {
        Iterator(schedule: self)
    }

    public struct Iterator: IteratorProtocol, Sendable {
        private let rps: Double
        private let process: Process
        private var random: SeededRandom
        private var index = 0
        /// The Poisson clock in nanoseconds, kept as a Double so gaps below a nanosecond still add up.
        private var poissonNanoseconds: Double = 0

        init(schedule: ArrivalSchedule) {
            rps = schedule.rps
            process = schedule.process
            random = SeededRandom(seed: schedule.seed, stream: ArrivalSchedule.randomStream)
        }

        public mutating func next() -> Arrival? {
            defer { index += 1 }
            let nanoseconds: Double
            switch process {
            case .fixedInterval:
                // Computed from the index, not accumulated, so no rounding error builds up.
                nanoseconds = Double(index) * 1e9 / rps
            case .poisson:
                // Inverse transform: -ln(1 - u) / rps is exponential with mean 1/rps (1 - u > 0 as u < 1).
                poissonNanoseconds += -log(1 - random.nextUnitInterval()) / rps * 1e9
                nanoseconds = poissonNanoseconds
            }
            guard nanoseconds < 9.2e18 else { return nil }
            return Arrival(index: index, offset: .nanoseconds(Int64(nanoseconds.rounded())))
        }
    }

    /// The stream of the run's seed the arrival times draw from (the request mix uses another).
    static let randomStream: UInt64 = 0xA1
}

/// One scheduled request: its index in the run (0, 1, 2, …) and its send time after the start.
public struct Arrival: Sendable, Equatable {
    public var index: Int
    public var offset: Duration

    public init(index: Int, offset: Duration) {
        self.index = index
        self.offset = offset
    }
}

/// A traffic setting that cannot work, in words.
public struct TrafficConfigurationError: Error, Equatable, CustomStringConvertible {
    public var problem: String

    public init(problem: String) {
        self.problem = problem
    }

    public var description: String { "invalid traffic configuration: \(problem)" }
}
