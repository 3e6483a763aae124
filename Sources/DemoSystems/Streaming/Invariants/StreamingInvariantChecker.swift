/// Checks the streaming site's invariants on a ``StreamingLedger``:
///
/// 1. ``Invariant/homePageShowsTitles``: every home page served had recommendations, or trending
///    titles in their place marked as a fallback; and home-service's fallback count is the number
///    of such pages.
/// 2. ``Invariant/streamHasActiveSubscription``: no stream started for a viewer without an
///    active subscription.
/// 3. ``Invariant/streamWithinPlanQuality``: no stream plays above what its plan pays for or its
///    title is encoded in.
/// 4. ``Invariant/viewRecordedOnce``: once settled, every stream started is recorded by
///    analytics, once: no stream without its view, no view without its stream, and analytics'
///    per-title counts match the views it recorded (a duplicate would count twice).
///
/// Pure and deterministic: violations come sorted by subject.
public enum StreamingInvariantChecker {
    /// Every violation in `ledger`; empty when all invariants hold.
    ///
    /// - Parameter settled: true at the end of a run; false to check a running system, where
    ///   views still on the bus are not yet recorded (so missing views are not violations).
    public static func check(_ ledger: StreamingLedger, settled: Bool = true) -> [Violation] {
        var violations: [Violation] = []

        var fallbackPages = 0
        for (index, page) in ledger.homePages.enumerated() {
            let subject = "home page \(index + 1) (\(page.user))"
            if page.fallback {
                fallbackPages += 1
                if page.trending == 0 {
                    violations.append(Violation(.homePageShowsTitles, subject, "home page \(index + 1) for \(page.user) fell back to trending but showed no trending titles"))
                }
            } else if page.recommended == 0 {
                violations.append(Violation(.homePageShowsTitles, subject, "home page \(index + 1) for \(page.user) had neither recommendations nor a trending fallback"))
            }
        }
        if fallbackPages != ledger.fallbacksCounted {
            violations.append(Violation(.homePageShowsTitles, "fallbacks", "\(fallbackPages) home pages fell back to trending, but home-service counted \(ledger.fallbacksCounted)"))
        }

        for id in ledger.streams.keys.sorted(by: StreamingCatalog.catalogOrder) {
            let stream = ledger.streams[id]!
            let subject = "stream \(id)"
            guard let subscription = ledger.subscriptions[stream.userId] else {
                violations.append(Violation(.streamHasActiveSubscription, subject, "stream \(id) started for \(stream.userId), who has no subscription"))
                continue
            }
            if !subscription.active {
                violations.append(Violation(.streamHasActiveSubscription, subject, "stream \(id) started for \(stream.userId), whose subscription is inactive"))
            }
            if stream.quality > subscription.plan.maxQuality {
                violations.append(Violation(.streamWithinPlanQuality, subject, "stream \(id) plays at \(stream.quality.rawValue), above the \(subscription.plan.rawValue) plan's \(subscription.plan.maxQuality.rawValue)"))
            }
            if let encoded = ledger.titleQualities[stream.titleId], stream.quality > encoded {
                violations.append(Violation(.streamWithinPlanQuality, subject, "stream \(id) plays at \(stream.quality.rawValue), above title \(stream.titleId)'s best encoding, \(encoded.rawValue)"))
            }
            if settled, ledger.views[id] == nil {
                violations.append(Violation(.viewRecordedOnce, subject, "stream \(id) started but analytics recorded no view of it"))
            }
        }

        var recordedPerTitle: [String: Int] = [:]
        for id in ledger.views.keys.sorted(by: StreamingCatalog.catalogOrder) {
            let title = ledger.views[id]!
            recordedPerTitle[title, default: 0] += 1
            if ledger.streams[id] == nil {
                violations.append(Violation(.viewRecordedOnce, "stream \(id)", "analytics recorded a view of stream \(id), which never started"))
            }
        }
        for title in Set(recordedPerTitle.keys).union(ledger.viewsPerTitle.keys).sorted(by: StreamingCatalog.catalogOrder) {
            let counted = ledger.viewsPerTitle[title] ?? 0
            let recorded = recordedPerTitle[title] ?? 0
            if counted != recorded {
                violations.append(Violation(.viewRecordedOnce, "title \(title)", "analytics counts \(counted) views of title \(title) but recorded \(recorded) streams of it"))
            }
        }
        return violations
    }
}

extension Invariant {
    public static let homePageShowsTitles = Invariant("homePageShowsTitles")
    public static let streamHasActiveSubscription = Invariant("streamHasActiveSubscription")
    public static let streamWithinPlanQuality = Invariant("streamWithinPlanQuality")
    public static let viewRecordedOnce = Invariant("viewRecordedOnce")

    /// The streaming site's invariants, in the order ``StreamingInvariantChecker`` documents them.
    public static let streaming: [Invariant] = [.homePageShowsTitles, .streamHasActiveSubscription, .streamWithinPlanQuality, .viewRecordedOnce]
}
