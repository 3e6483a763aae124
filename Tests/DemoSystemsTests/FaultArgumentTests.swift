import DemoSystems
import Telemetry
import Testing

@Suite struct FaultArgumentTests {
    @Test(arguments: [
        ("payment-service=errors:0.6", "payment-service", FaultSpec.errors(ratio: 0.6, status: 503)),
        ("payment-service=errors:60%", "payment-service", .errors(ratio: 0.6, status: 503)),
        ("payment-service=errors:0.6:500", "payment-service", .errors(ratio: 0.6, status: 500)),
        ("payment-service=errors:1", "payment-service", .errors(ratio: 1, status: 503)),
        ("inventory-service=latency:300ms", "inventory-service", .latency(milliseconds: 300)),
        ("inventory-service=latency:1.5s", "inventory-service", .latency(milliseconds: 1500)),
        ("notification-service=down", "notification-service", .down),
        ("x=hang", "x", .hang),
        ("x=none", "x", FaultSpec.none),
    ])
    func parsesEveryKind(text: String, service: String, fault: FaultSpec) throws {
        #expect(try FaultArgument.parse(text) == FaultArgument(service: service, fault: fault))
    }

    @Test(arguments: [
        ("payment-service", "there is no '=' between the service and the fault"),
        ("=down", "the service name is empty"),
        ("x=", "the fault is empty"),
        ("x=explode", "unknown fault kind \"explode\""),
        ("x=errors", "errors needs a ratio, as in errors:0.6 or errors:60%"),
        ("x=errors:1.5", "\"1.5\" is not a ratio between 0 and 1 or a percentage between 0% and 100%"),
        ("x=errors:150%", "\"150%\" is not a ratio between 0 and 1 or a percentage between 0% and 100%"),
        ("x=errors:-0.1", "\"-0.1\" is not a ratio between 0 and 1 or a percentage between 0% and 100%"),
        ("x=errors:nan", "\"nan\" is not a ratio between 0 and 1 or a percentage between 0% and 100%"),
        ("x=errors:0.5:200", "\"200\" is not an HTTP error status between 400 and 599"),
        ("x=errors:0.5:503:1", "errors takes at most a ratio and a status"),
        ("x=latency", "latency needs one duration, as in latency:300ms"),
        ("x=latency:300", "\"300\" is not a duration (a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h))"),
        ("x=down:1", "down takes no value"),
        ("x=none:0", "none takes no value"),
    ])
    func rejectsBadTextNamingWhatIsAccepted(text: String, problem: String) {
        do {
            _ = try FaultArgument.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.problem == problem)
            #expect(error.description.hasPrefix("invalid fault \"\(text)\": \(problem); expected "))
            #expect(error.description.contains("latency:DURATION"))
        }
    }

    @Test func unknownServiceListsTheKnownOnes() {
        #expect(throws: FaultParseError(
            text: "paymnt=down",
            problem: "unknown service \"paymnt\"",
            accepted: "one of gateway, user-service, product-service, inventory-service, payment-service, order-service, notification-service, or one instance as SERVICE-N (e.g. gateway-1)"
        )) {
            try FaultArgument.parse("paymnt=down", knownServices: DemoSystemCatalog.storefrontServices)
        }
    }

    @Test func oneInstanceOfAServiceWithSeveralCanBeNamed() throws {
        let targets = DemoSystemCatalog.storefrontServices
        #expect(try FaultArgument.parse("payment-service-2=latency:300ms", knownServices: targets) == FaultArgument(service: "payment-service-2", fault: .latency(milliseconds: 300)))
        // notification-service runs one instance, and there is no third payment-service.
        #expect(throws: FaultParseError.self) { try FaultArgument.parse("notification-service-1=down", knownServices: targets) }
        #expect(throws: FaultParseError.self) { try FaultArgument.parse("payment-service-3=down", knownServices: targets) }
    }

    @Test(arguments: [FaultSpec.none, .errors(ratio: 0.6, status: 503), .errors(ratio: 0.25, status: 500), .latency(milliseconds: 300), .latency(milliseconds: 1500), .down, .hang])
    func formatParsesBack(fault: FaultSpec) throws {
        #expect(try FaultArgument.parseFault(FaultArgument.format(fault)) == fault)
    }
}
