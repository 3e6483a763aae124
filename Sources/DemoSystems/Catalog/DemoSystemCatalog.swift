/// meshtop's example systems, by name: what `meshtop demo SYSTEM`, `meshtop snapshot SYSTEM` and
/// `meshtop systems` offer.
public enum DemoSystemCatalog {
    /// Every system, the default first.
    public static let all: [any DemoSystem.Type] = [
        Storefront.self,
        Streaming.self,
        Rides.self,
        Marketplace.self,
        Monolith.self,
    ]

    /// The system `meshtop demo` runs when none is named.
    public static var defaultSystem: any DemoSystem.Type { all[0] }

    public static var names: [String] { all.map { $0.profile.name } }

    /// The system called `name`.
    ///
    /// - Throws: ``UnknownSystemError`` listing the names there are.
    public static func system(named name: String) throws(UnknownSystemError) -> any DemoSystem.Type {
        guard let system = all.first(where: { $0.profile.name == name }) else {
            throw UnknownSystemError(name: name, known: names)
        }
        return system
    }

    /// The system called `name`, which validation has already found in the catalog (the default
    /// system, should it not be there).
    static func validated(_ name: String) -> any DemoSystem.Type {
        (try? system(named: name)) ?? defaultSystem
    }

    /// What the storefront's `--fault` may name: its services, the gateway first, then their instances.
    public static var storefrontServices: [String] { Storefront.profile.faultTargets }
}

/// A system name the catalog does not have.
public struct UnknownSystemError: Error, Equatable, CustomStringConvertible {
    public var name: String
    public var known: [String]

    public var description: String {
        "unknown system \"\(name)\"; expected one of \(known.joined(separator: ", ")) (see `meshtop systems`)"
    }
}
