extension Streaming {
    /// Views per title per second over a sliding window (the last `length` seconds), with running
    /// totals so a trending ranking costs one sort of the titles, not a sum over every second.
    ///
    /// Seconds are whole seconds of the mesh's clock. A view older than the window (a late
    /// redelivery) is not in it; the caller counts it elsewhere.
    struct ViewWindow: Sendable, Equatable {
        /// Seconds kept.
        let length: Int
        /// Oldest first, one entry per second that had views.
        private(set) var buckets: [(second: Int, counts: [String: Int])] = []
        /// Views per title over the buckets kept.
        private(set) var totals: [String: Int] = [:]

        init(length: Int) {
            precondition(length > 0, "a view window is at least a second long")
            self.length = length
        }

        /// Counts a view of `title` in `second`, once the window has moved on to `now`.
        mutating func add(title: String, second: Int, now: Int) {
            expire(now: now)
            guard second > now - length else { return }
            var index = buckets.count
            while index > 0, buckets[index - 1].second > second { index -= 1 }
            if index > 0, buckets[index - 1].second == second {
                buckets[index - 1].counts[title, default: 0] += 1
            } else {
                buckets.insert((second, [title: 1]), at: index)
            }
            totals[title, default: 0] += 1
        }

        /// Drops the seconds that have left the window ending at `now`.
        mutating func expire(now: Int) {
            var dropped = 0
            while dropped < buckets.count, buckets[dropped].second <= now - length {
                for (title, count) in buckets[dropped].counts {
                    let left = totals[title, default: 0] - count
                    totals[title] = left > 0 ? left : nil
                }
                dropped += 1
            }
            if dropped > 0 { buckets.removeFirst(dropped) }
        }

        /// The `limit` most viewed titles in the window, most viewed first (ties by catalog order).
        func top(_ limit: Int) -> [(title: String, views: Int)] {
            totals.map { (title: $0.key, views: $0.value) }
                .sorted { $0.views != $1.views ? $0.views > $1.views : StreamingCatalog.catalogOrder($0.title, $1.title) }
                .prefix(limit).map { $0 }
        }

        /// Views of `title` in each second of the window ending at `now`, oldest first.
        func series(of title: String, now: Int) -> [Int] {
            var counts = [Int](repeating: 0, count: length)
            for bucket in buckets where bucket.second > now - length && bucket.second <= now {
                counts[length - 1 - (now - bucket.second)] = bucket.counts[title] ?? 0
            }
            return counts
        }

        static func == (lhs: ViewWindow, rhs: ViewWindow) -> Bool {
            lhs.length == rhs.length && lhs.totals == rhs.totals
                && lhs.buckets.elementsEqual(rhs.buckets) { $0.second == $1.second && $0.counts == $1.counts }
        }
    }
}
