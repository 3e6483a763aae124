import Histogram
import Testing
@testable import Telemetry

@Suite struct HistogramLayoutTests {
    /// The one-pass percentile scan must agree exactly with HDR's own `valueAtPercentile`.
    @Test(arguments: [1, 2, 17, 1_000, 50_000])
    func onePassPercentilesEqualHdrValueAtPercentile(samples: Int) throws {
        for layout in [HistogramLayout.timer, HistogramLayout.plain] {
            var histogram = layout.empty
            let generator = IDGenerator(seed: UInt64(samples))
            for _ in 0..<samples {
                let magnitude = generator.next() % 40
                histogram.record(generator.next() % (UInt64(1) << magnitude) + layout.lowest)
            }
            let wanted: [Double] = [0.1, 50, 90, 95, 99, 99.9]
            let fast = try #require(layout.percentiles(wanted, of: histogram), "the counts could not be read")
            #expect(fast == wanted.map { histogram.valueAtPercentile($0) })
        }
    }
}
