/// The instances of one target that refused a caller's last connection to them, and when: what
/// the caller knows of which instances are down (it may know before the registry does). Pure.
struct RefusingInstances: Sendable {
    private var lastRefused: [String: Duration] = [:]

    /// True when no instance is known to refuse: an answer then changes nothing.
    var isEmpty: Bool { lastRefused.isEmpty }

    /// `instance` refused a connection at `now`.
    mutating func refused(_ instance: String, at now: Duration) {
        lastRefused[instance] = now
    }

    /// `instance` answered: it listens again.
    mutating func answered(_ instance: String) {
        lastRefused.removeValue(forKey: instance)
    }

    /// The instances whose last connection was refused at or after `start`, sorted.
    func refusing(since start: Duration) -> [String] {
        lastRefused.filter { $0.value >= start }.keys.sorted()
    }
}
