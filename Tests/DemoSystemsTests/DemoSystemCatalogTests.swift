import DemoSystems
import Telemetry
import Testing

@Suite("The catalog of systems: names, services, options naming a system")
struct DemoSystemCatalogTests {
    @Test func namesAreUniqueAndTheStorefrontIsTheDefault() {
        #expect(DemoSystemCatalog.defaultSystem.profile.name == "storefront")
        #expect(Set(DemoSystemCatalog.names).count == DemoSystemCatalog.names.count)
        for system in DemoSystemCatalog.all {
            let profile = system.profile
            #expect(profile.services.first == "gateway", "\(profile.name)")
            #expect(Set(profile.services).count == profile.services.count, "\(profile.name)")
            #expect(!profile.invariants.isEmpty, "\(profile.name)")
            #expect(!profile.summary.isEmpty, "\(profile.name)")
        }
    }

    @Test func eachSystemDeploysWhatItsProfileSays() {
        for system in DemoSystemCatalog.all {
            let profile = system.profile
            let built = system.make(clock: ManualClock(), seed: 1, time: nil)
            #expect(built.mesh.name == profile.name)
            #expect(built.mesh.serviceNames == profile.services.sorted(), "\(profile.name)")
            let expected = profile.services.flatMap { service in (1...profile.instanceCount(of: service)).map { "\(service)-\($0)" } }
            #expect(built.mesh.instanceIDs == expected.sorted(), "\(profile.name)")
            #expect(built.trafficMix.kinds.count > 1, "\(profile.name)")
        }
    }

    @Test func anUnknownSystemIsRefusedWithTheNamesThereAre() throws {
        let error = try #require(throws: DemoOptionsError.self) { try DemoOptions(validating: DemoArguments(system: "netflix", headless: true)) }
        #expect(error.option == "SYSTEM")
        #expect(error.message.contains("unknown system \"netflix\""))
        for name in DemoSystemCatalog.names { #expect(error.message.contains(name)) }
        #expect(throws: DemoOptionsError.self) { try SnapshotOptions(validating: SnapshotArguments(system: "")) }
    }

    @Test func aFaultMustNameAServiceOfTheChosenSystem() throws {
        let options = try DemoOptions(validating: DemoArguments(system: "storefront", headless: true, faults: ["payment-service=down"]))
        #expect(options.systemName == "storefront")
        #expect(options.system.profile.name == "storefront")
        let error = try #require(throws: DemoOptionsError.self) {
            try DemoOptions(validating: DemoArguments(system: "storefront", headless: true, faults: ["dispatch-service=down"]))
        }
        #expect(error.option == "--fault")
        #expect(error.message.contains("payment-service"))
    }

    @Test func theSystemsTableListsEverySystemWithItsServices() {
        let text = SystemsTable.render(DemoSystemCatalog.all.map { $0.profile })
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("NAME"))
        for profile in DemoSystemCatalog.all.map({ $0.profile }) {
            #expect(lines.contains { $0.hasPrefix(profile.name + " ") && $0.contains(profile.summary) && $0.contains(" \(profile.services.count)  ") })
            #expect(lines.contains("\(profile.name): \(profile.services.joined(separator: ", "))"))
        }
    }
}
