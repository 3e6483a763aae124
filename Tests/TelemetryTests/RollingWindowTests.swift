import CoreMetrics
import Metrics
import Testing
@testable import Telemetry

@Suite struct RollingWindowTests {
    @Test func rateIsTheWindowSumOverTheWindowLength() {
        let f = MetricsFixture()
        let counter = Counter(label: "hits", factory: f.factory)
        // 10 per second for 5 seconds, then 30 per second for 5 seconds.
        for second in 0..<10 {
            counter.increment(by: second < 5 ? 10 : 30)
            f.advance(seconds: 1)
        }
        let hits = SeriesSelector(label: "hits")
        #expect(f.store.rate(hits, window: 5) == 30)
        #expect(f.store.rate(hits, window: 10) == 20)
        // Before a full window has passed, divide by the time since start, not the window.
        #expect(f.store.rate(hits, window: 60) == 20)
    }

    @Test func historyIsPerSecondOldestFirstAndPaddedBeforeStart() {
        let f = MetricsFixture()
        let counter = Counter(label: "hits", factory: f.factory)
        for amount in [1, 2, 3] {
            counter.increment(by: amount)
            f.advance(seconds: 1)
        }
        #expect(f.store.history(SeriesSelector(label: "hits"), seconds: 5) == [0, 0, 1, 2, 3])
    }

    @Test func secondsThatWereNotTickedShowNothingAndTheirCountsGoToTheLastSecond() {
        let f = MetricsFixture()
        let counter = Counter(label: "hits", factory: f.factory)
        counter.increment(by: 6)
        f.clock.advance(by: .seconds(3)) // the sampler was late: one tick closes seconds 0-2
        f.store.tick()
        #expect(f.store.history(SeriesSelector(label: "hits"), seconds: 3) == [0, 0, 6])
        #expect(f.store.rate(SeriesSelector(label: "hits"), window: 3) == 2)
    }

    @Test func oldSecondsFallOutOfTheWindow() {
        let f = MetricsFixture(retainedSeconds: 10)
        let counter = Counter(label: "hits", factory: f.factory)
        let timer = Metrics.Timer(label: "latency", factory: f.factory)
        counter.increment(by: 100)
        timer.recordMilliseconds(500)
        f.advance(seconds: 1)
        for _ in 0..<12 {
            counter.increment()
            timer.recordMilliseconds(1)
            f.advance(seconds: 1)
        }
        #expect(f.store.rate(SeriesSelector(label: "hits"), window: 10) == 1)
        #expect(f.store.history(SeriesSelector(label: "hits"), seconds: 10) == Array(repeating: 1, count: 10))
        // The 500 ms outlier is 13 seconds old: gone from the percentiles.
        let latency = f.store.latency(SeriesSelector(label: "latency"), window: 10)
        #expect(latency?.count == 10)
        #expect((latency?.maxMs ?? 0) < 1.1)
    }

    @Test func tickingTwiceInOneSecondClosesNothingNew() {
        let f = MetricsFixture()
        let counter = Counter(label: "hits", factory: f.factory)
        counter.increment()
        f.advance(seconds: 1)
        counter.increment(by: 5)
        f.clock.advance(by: .milliseconds(400))
        f.store.tick()
        #expect(f.store.history(SeriesSelector(label: "hits"), seconds: 1) == [1])
        #expect(f.store.lastClosedSecond == 0)
    }

    @Test func gaugeHistoryHoldsTheValueAtTheEndOfEachSecond() {
        let f = MetricsFixture()
        let meter = Meter(label: "in_flight", factory: f.factory)
        meter.set(4)
        f.advance(seconds: 1)
        meter.set(9)
        f.advance(seconds: 1)
        #expect(f.store.history(SeriesSelector(label: "in_flight"), seconds: 3) == [0, 4, 9])
    }

    /// Percentiles over the last N seconds, against an exact computation over the same values.
    @Test(arguments: [1, 5, 30])
    func windowedPercentilesMatchAnExactComputationWithinHdrPrecision(window: Int) throws {
        let f = MetricsFixture()
        let timer = Metrics.Timer(label: "latency", factory: f.factory)
        let generator = IDGenerator(seed: 42)  // seeded: the same values every run
        var recordedPerSecond: [[Int64]] = []
        for _ in 0..<40 {
            var values: [Int64] = []
            for _ in 0..<200 {
                // Log-uniform from 10 µs to 2 s: a wide, skewed latency distribution.
                let exponent = 4 + Double(generator.next() % 10_000) / 10_000 * 5.3
                let nanoseconds = Int64(pow10(exponent))
                values.append(nanoseconds)
                timer.recordNanoseconds(nanoseconds)
            }
            recordedPerSecond.append(values)
            f.advance(seconds: 1)
        }
        let inWindow = recordedPerSecond.suffix(window).flatMap { $0 }.sorted()
        let summary = try #require(f.store.latency(SeriesSelector(label: "latency"), window: window))
        #expect(summary.count == inWindow.count)
        for (percentile, reported) in [(50.0, summary.p50Ms), (95.0, summary.p95Ms), (99.0, summary.p99Ms), (100.0, summary.maxMs)] {
            let exact = Double(inWindow[max(0, Int((percentile / 100 * Double(inWindow.count)).rounded(.up)) - 1)]) / 1e6
            // Two significant digits: HDR reports the top of the value's bucket, within 1% above it.
            #expect(reported >= exact * 0.999 && reported <= exact * 1.01, "p\(percentile): reported \(reported) ms, exact \(exact) ms")
        }
    }

    @Test func snapshotCoversEverySeriesWithItsWindow() throws {
        let f = MetricsFixture()
        Counter(label: "hits", dimensions: [("service", "a")], factory: f.factory).increment(by: 20)
        Metrics.Timer(label: "latency", dimensions: [("service", "a")], factory: f.factory).recordMilliseconds(7)
        Meter(label: "in_flight", factory: f.factory).set(3)
        f.advance(seconds: 2)
        let snapshot = f.store.snapshot(window: 10, historySeconds: 4)
        #expect(snapshot.series.map(\.key.label) == ["hits", "in_flight", "latency"])
        let hits = try #require(snapshot.series.first)
        #expect(hits.rate == 10)
        #expect(hits.history == [20, 0])
        #expect(snapshot.series[2].distribution?.count == 1)
    }
}

private func pow10(_ exponent: Double) -> Double {
    var result = 1.0
    var e = exponent
    while e >= 1 { result *= 10; e -= 1 }
    // 10^e for the fraction, by exp(e ln 10), without Foundation.
    var term = 1.0, sum = 1.0
    let x = e * 2.302585092994046
    for n in 1..<30 { term *= x / Double(n); sum += term }
    return result * sum
}
