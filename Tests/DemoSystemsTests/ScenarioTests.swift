#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DemoSystems
import Telemetry
import Testing

/// The repository's root, found from this file's path (tests must not depend on the working directory).
let repositoryRoot: String = {
    var components = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    components.removeLast(3) // Tests/DemoSystemsTests/ScenarioTests.swift
    return components.joined(separator: "/")
}()

@Suite struct ScenarioTests {
    private func decode(_ json: String) throws(ScenarioError) -> Scenario {
        try Scenario.decode(Data(json.utf8), file: "s.json")
    }

    private func problem(_ json: String) -> ScenarioError? {
        do {
            _ = try decode(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func theShippedPaymentOutageParsesAsWritten() throws {
        let scenario = try Scenario.load(path: repositoryRoot + "/demo/storefront/payment-outage.json", knownServices: DemoSystemCatalog.storefrontServices)
        #expect(scenario.name == "payment-outage")
        #expect(scenario.rps == 200)
        #expect(scenario.duration == .seconds(60))
        #expect(scenario.seed == nil)
        #expect(scenario.faults == [
            ScheduledFault(at: .seconds(10), service: "payment-service", fault: .errors(ratio: 0.6, status: 503)),
            ScheduledFault(at: .seconds(30), service: "payment-service", fault: .none),
        ])
    }

    @Test func theSecondShippedScenarioLoads() throws {
        let scenario = try Scenario.load(path: repositoryRoot + "/demo/storefront/slow-inventory-then-notifications-down.json", knownServices: DemoSystemCatalog.storefrontServices)
        #expect(scenario.seed == 7)
        #expect(scenario.faults.count == 4)
        #expect(scenario.faults[0] == ScheduledFault(at: .seconds(5), service: "inventory-service", fault: .latency(milliseconds: 400)))
    }

    @Test func encodingWritesTheFileFormBack() throws {
        let scenario = Scenario(
            name: "x", description: "d", rps: 12.5, duration: .milliseconds(1500), seed: 9,
            faults: [ScheduledFault(at: .milliseconds(250), service: "payment-service", fault: .errors(ratio: 0.5, status: 500))]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(scenario), as: UTF8.self)
        #expect(json == #"{"description":"d","duration":"1500ms","faults":[{"at":"250ms","fault":"errors:0.5:500","service":"payment-service"}],"name":"x","rps":12.5,"seed":9}"#)
        #expect(try decode(json) == scenario)
    }

    @Test func optionalFieldsMayBeLeftOut() throws {
        let scenario = try decode(#"{"name": "calm", "rps": 50, "duration": "2m"}"#)
        #expect(scenario == Scenario(name: "calm", rps: 50, duration: .seconds(120)))
    }

    @Test(arguments: [
        (#"{"name":"x","rps":0,"duration":"60s"}"#, "rps", "0 is out of range; expected a number of requests per second, greater than 0 and at most 100000"),
        (#"{"name":"x","rps":"10","duration":"60s"}"#, "rps", "expected a number, found something else"),
        (#"{"name":"x","rps":null,"duration":"60s"}"#, "rps", "expected a number, found null"),
        (#"{"name":"x","rps":10}"#, "duration", "is missing; expected a duration, a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h)"),
        (#"{"rps":10,"duration":"1s"}"#, "name", "is missing; expected a string"),
        (#"{"name":"x","rps":10,"duration":"0s"}"#, "duration", "the run must last longer than 0s; expected a duration, a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h)"),
        (#"{"name":"x","rps":10,"durration":"60s"}"#, "durration", "unknown field; expected only name, description, rps, duration, seed, faults"),
        (#"{"name":"x","rps":1e999,"duration":"60s"}"#, "rps", "the number cannot be represented; expected a number of requests per second, greater than 0 and at most 100000"),
        (#"{"name":"x","rps":10,"duration":"60s","faults":{}}"#, "faults", "expected a list, found something else"),
        (#"{"name":"x","rps":10,"duration":"60s","faults":[{"at":"1s","service":"a","fault":"down"},{"at":"10x","service":"a","fault":"none"}]}"#,
         "faults[1].at", "it has no unit (got \"10x\"); expected a duration since the start of the run, a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h)"),
        (#"{"name":"x","rps":10,"duration":"60s","faults":[{"at":"1s","service":"a","fault":"explode"}]}"#,
         "faults[0].fault", "unknown fault kind \"explode\" (got \"explode\"); expected errors:RATIO[:STATUS] (RATIO 0…1 or 0%…100%, STATUS 400…599, default 503), latency:DURATION (e.g. 300ms), down, hang, none"),
        (#"{"name":"x","rps":10,"duration":"60s","faults":[{"at":"1s","service":"a"}]}"#, "faults[0].fault", "is missing; expected errors:RATIO[:STATUS] (RATIO 0…1 or 0%…100%, STATUS 400…599, default 503), latency:DURATION (e.g. 300ms), down, hang, none"),
        (#"{"name":"x","rps":10,"duration":"60s","faults":[{"at":"1s","service":"a","fault":"down","when":"now"}]}"#, "faults[0].when", "unknown field; expected only at, service, fault"),
        (#"{"name":"x","rps":10,"duration":"60s","faults":[{"at":"1s","service":" ","fault":"down"}]}"#, "faults[0].service", "the service name is empty; expected a service name, such as \"payment-service\""),
        (#"[1]"#, "(top level)", "expected an object, found something else"),
    ])
    func badFieldsAreNamedWithWhatIsExpected(json: String, field: String, problem: String) {
        #expect(self.problem(json) == ScenarioError(file: "s.json", field: field, problem: problem))
    }

    @Test(arguments: [
        ("{\"name\":\"x\",\n \"rps\":10,\n \"duration\":\"60s\" \"faults\": []}", "not valid JSON: line 3, column 19: expected ',' or '}' after a field's value (found '\"')"),
        ("{\"name\" \"x\"}", "not valid JSON: line 1, column 9: expected ':' after the field name (found '\"')"),
        ("{\"faults\": [1 2]}", "not valid JSON: line 1, column 15: expected ',' or ']' after a list element (found '2')"),
        ("{\"name\": tru}", "not valid JSON: line 1, column 13: expected 'true' (found '}')"),
        ("{\"name\": \"x", "not valid JSON: line 1, column 12: expected '\"' to end the string (found the end of the file)"),
        ("", "not valid JSON: line 1, column 1: expected a value (an object, list, string, number, true, false or null) (found the end of the file)"),
    ])
    func syntaxErrorsGiveLineAndColumn(json: String, problem: String) {
        #expect(self.problem(json) == ScenarioError(file: "s.json", field: nil, problem: problem))
    }

    @Test(arguments: ["-1", "1.5", "18446744073709551616", "\"7\""])
    func aSeedThatIsNotAWholeNumberNamesTheField(seed: String) {
        let error = problem(#"{"name":"x","rps":10,"duration":"60s","seed":\#(seed)}"#)
        #expect(error?.field == "seed")
        #expect(error?.problem.contains("whole number from 0 to") == true)
    }

    @Test func faultsAfterTheEndAndUnknownServicesAreCaughtByValidation() throws {
        let scenario = try decode(#"{"name":"x","rps":10,"duration":"20s","faults":[{"at":"5s","service":"payment-service","fault":"down"},{"at":"25s","service":"paymnt","fault":"none"}]}"#)
        #expect(throws: ScenarioError(file: "s.json", field: "faults[1].at", problem: "25s is after the end of the run at 20s; expected a time from 0s to 20s")) {
            try scenario.validate(file: "s.json")
        }
        #expect(throws: ScenarioError(file: "s.json", field: "faults[0].at", problem: "5s is after the end of the run at 3s (the run was shortened with --duration); expected a time from 0s to 3s")) {
            try scenario.validate(file: "s.json", duration: .seconds(3))
        }
        var shorter = scenario
        shorter.faults[1].at = .seconds(20)
        #expect(throws: ScenarioError(file: "s.json", field: "faults[1].service", problem: "unknown service \"paymnt\"; expected one of gateway, user-service, product-service, inventory-service, payment-service, order-service, notification-service, or one instance as SERVICE-N (e.g. gateway-1)")) {
            try shorter.validate(file: "s.json", knownServices: DemoSystemCatalog.storefrontServices)
        }
    }

    @Test func aMissingFileOrADirectoryIsSaidSo() {
        #expect(throws: ScenarioError(file: "/nonexistent/x.json", field: nil, problem: "no such file")) {
            try Scenario.load(path: "/nonexistent/x.json")
        }
        #expect(throws: ScenarioError(file: repositoryRoot + "/demo", field: nil, problem: "it is a directory; expected a JSON file")) {
            try Scenario.load(path: repositoryRoot + "/demo")
        }
    }

    @Test func theMessageNamesFileFieldAndExpectation() {
        let error = ScenarioError(file: "demo/x.json", field: "faults[1].at", problem: "it has no unit (got \"10x\"); expected a duration")
        #expect(error.description == #"invalid scenario 'demo/x.json': faults[1].at: it has no unit (got "10x"); expected a duration"#)
    }
}
