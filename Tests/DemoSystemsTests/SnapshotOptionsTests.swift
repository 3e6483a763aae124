import DemoSystems
import Telemetry
import Testing

@Suite struct SnapshotOptionsTests {
    private func error(_ arguments: SnapshotArguments) -> DemoOptionsError? {
        do {
            _ = try SnapshotOptions(validating: arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsAreTheServicesViewAt120x40After3sAt200RpsSeed42() throws {
        let options = try SnapshotOptions(validating: SnapshotArguments())
        #expect(options == SnapshotOptions(view: .services, width: 120, height: 40, after: .seconds(3), seed: 42, rps: 200, faults: FaultTimeline([]), json: false))
    }

    @Test func everyOptionIsRead() throws {
        let options = try SnapshotOptions(validating: SnapshotArguments(
            view: "trace", width: "200", height: "60", after: "1.5s", seed: "7", rps: "50",
            faults: ["payment-service=errors:0.6", "inventory-service=latency:300ms"]
        ))
        #expect(options.view == .trace)
        #expect(options.width == 200)
        #expect(options.height == 60)
        #expect(options.after == .milliseconds(1500))
        #expect(options.seed == 7)
        #expect(options.rps == 50)
        #expect(options.faults.changes == [
            ScheduledFault(at: .zero, service: "payment-service", fault: .errors(ratio: 0.6, status: 503), origin: .cli),
            ScheduledFault(at: .zero, service: "inventory-service", fault: .latency(milliseconds: 300), origin: .cli),
        ])
        #expect(!options.json)
    }

    @Test(arguments: SnapshotView.allCases)
    func everyViewIsAccepted(view: SnapshotView) throws {
        let target: String? = switch view {
        case .service: "payment-service"
        case .breaker: "order-service->payment-service"
        case .route: "order-service:POST /orders"
        default: nil
        }
        let traces = view == .compare ? [Self.traceA, Self.traceB] : []
        #expect(try SnapshotOptions(validating: SnapshotArguments(view: view.rawValue, target: target, traces: traces)).view == view)
    }

    static let traceA = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let traceB = "b7ad6b7169203331b7ad6b7169203331"

    @Test func targetAndTracesAreReadForTheirViews() throws {
        let service = try SnapshotOptions(validating: SnapshotArguments(view: "service", target: " payment-service "))
        #expect(service.target == "payment-service")
        let trace = try SnapshotOptions(validating: SnapshotArguments(view: "trace", traces: [Self.traceA.uppercased()]))
        #expect(trace.traces == [Self.traceA])
        let compare = try SnapshotOptions(validating: SnapshotArguments(view: "compare", traces: [Self.traceA, Self.traceB]))
        #expect(compare.traces == [Self.traceA, Self.traceB])
    }

    @Test func viewNamesIgnoreCaseAndSurroundingSpaces() throws {
        #expect(try SnapshotOptions(validating: SnapshotArguments(view: " Breakers ")).view == .breakers)
    }

    @Test func theSmallestAndLargestSizesAreAccepted() throws {
        let smallest = try SnapshotOptions(validating: SnapshotArguments(width: "60", height: "15"))
        #expect((smallest.width, smallest.height) == (60, 15))
        let largest = try SnapshotOptions(validating: SnapshotArguments(width: "1000", height: "1000"))
        #expect((largest.width, largest.height) == (1000, 1000))
    }

    @Test func jsonAloneIsAccepted() throws {
        let options = try SnapshotOptions(validating: SnapshotArguments(after: "1s", seed: "3", json: true))
        #expect(options.json)
        #expect(options.after == .seconds(1))
    }

    @Test(arguments: [
        (SnapshotArguments(view: "servce"), "--view", #"unknown view "servce"; expected one of services, breakers, traces, trace, events, topology, service, breaker, route, help, compare, interventions, logs"#),
        (SnapshotArguments(view: ""), "--view", #"unknown view ""; expected one of services, breakers, traces, trace, events, topology, service, breaker, route, help, compare, interventions, logs"#),
        (SnapshotArguments(view: "service"), "--target", "--view service needs --target NAME: the service to show"),
        (SnapshotArguments(view: "breaker", target: " "), "--target", "--view breaker needs --target NAME: the breaker to show"),
        (SnapshotArguments(view: "traces", target: "gateway"), "--target", #"--target "gateway" names the service, breaker or route of --view service, breaker or route, not of --view traces"#),
        (SnapshotArguments(view: "route", target: "order-service"), "--target", #"invalid route "order-service"; expected SERVICE:ROUTE (order-service:POST /orders)"#),
        (SnapshotArguments(view: "route"), "--target", "--view route needs --target SERVICE:ROUTE: the route to show"),
        (SnapshotArguments(view: "compare", traces: [SnapshotOptionsTests.traceA]), "--trace", "--view compare takes two traces, --trace A --trace B, or none (the slowest stored trace and the median one of its operation); got 1"),
        (SnapshotArguments(view: "compare", traces: [SnapshotOptionsTests.traceA, SnapshotOptionsTests.traceA]), "--trace", "--view compare needs two different traces; both are \(SnapshotOptionsTests.traceA)"),
        (SnapshotArguments(view: "trace", traces: [SnapshotOptionsTests.traceA, SnapshotOptionsTests.traceB]), "--trace", "--view trace shows one trace; got 2 (--view compare shows two)"),
        (SnapshotArguments(view: "trace", traces: ["4bf92f35"]), "--trace", #"invalid trace id "4bf92f35"; expected 32 hex digits (the TRACE column of --view traces shows the first 8)"#),
        (SnapshotArguments(view: "services", traces: [SnapshotOptionsTests.traceA]), "--trace", "--trace names the trace of --view trace or the two of --view compare, not of --view services"),
        (SnapshotArguments(json: true, target: "gateway"), "--target", "--json prints the whole snapshot, not a view of it; drop --target or --json"),
        (SnapshotArguments(width: "59"), "--width", #"invalid size "59"; expected a whole number of columns from 60 to 1000"#),
        (SnapshotArguments(width: "wide"), "--width", #"invalid size "wide"; expected a whole number of columns from 60 to 1000"#),
        (SnapshotArguments(width: "1001"), "--width", #"invalid size "1001"; expected a whole number of columns from 60 to 1000"#),
        (SnapshotArguments(height: "14"), "--height", #"invalid size "14"; expected a whole number of rows from 15 to 1000"#),
        (SnapshotArguments(height: "40.5"), "--height", #"invalid size "40.5"; expected a whole number of rows from 15 to 1000"#),
        (SnapshotArguments(after: "3"), "--after", #"invalid duration "3": it has no unit; expected a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h)"#),
        (SnapshotArguments(after: "0s"), "--after", #"invalid duration "0s": expected more than 0s and at most 1h"#),
        (SnapshotArguments(after: "2h"), "--after", #"invalid duration "2h": expected more than 0s and at most 1h"#),
        (SnapshotArguments(seed: "-1"), "--seed", #"invalid seed "-1"; expected a whole number from 0 to 18446744073709551615"#),
        (SnapshotArguments(rps: "0"), "--rps", #"invalid rate "0"; expected requests per second, a number greater than 0 and at most 100000"#),
        (SnapshotArguments(faults: ["paymnt=down"]), "--fault", #"invalid fault "paymnt=down": unknown service "paymnt"; expected one of gateway, user-service, product-service, inventory-service, payment-service, order-service, notification-service, or one instance as SERVICE-N (e.g. gateway-1)"#),
        (SnapshotArguments(faults: ["payment-service=down", "payment-service=none"]), "--fault", "payment-service is given more than once; expected at most one --fault per service"),
        (SnapshotArguments(view: "services", json: true), "--view", "--json prints the whole snapshot, not a view of it; drop --view or --json"),
        (SnapshotArguments(width: "100", json: true), "--width", "--json prints the whole snapshot, not a view of it; drop --width or --json"),
        (SnapshotArguments(height: "30", json: true), "--height", "--json prints the whole snapshot, not a view of it; drop --height or --json"),
    ])
    func badValuesNameTheOptionAndWhatIsAccepted(arguments: SnapshotArguments, option: String, message: String) {
        #expect(error(arguments) == DemoOptionsError(option: option, message: message))
    }
}
