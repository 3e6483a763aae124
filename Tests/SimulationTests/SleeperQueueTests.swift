import Randomness
@testable import Simulation
import Testing

@Suite("SleeperQueue")
struct SleeperQueueTests {
    @Test("pops in (deadline, registration) order, as sorting does", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesSortedReference(seed: UInt64) {
        var generator = SeededRandom(seed: seed)
        var queue = SleeperQueue()
        var reference: [SleeperQueue.Entry] = []
        var popped: [SleeperQueue.Entry] = []
        var expected: [SleeperQueue.Entry] = []
        var number: UInt64 = 0
        for _ in 0..<2_000 {
            if generator.next() % 3 == 0 {
                let fromQueue = queue.popFirst()
                reference.sort()
                let fromReference = reference.isEmpty ? nil : reference.removeFirst()
                if let fromQueue { popped.append(fromQueue) }
                if let fromReference { expected.append(fromReference) }
            } else {
                // Few distinct deadlines: many ties, which the registration number must break.
                let entry = SleeperQueue.Entry(deadline: .milliseconds(Int(generator.next() % 20)), number: number)
                number += 1
                queue.insert(entry)
                reference.append(entry)
            }
        }
        while let entry = queue.popFirst() { popped.append(entry) }
        expected.append(contentsOf: reference.sorted())
        #expect(popped == expected)
    }
}
