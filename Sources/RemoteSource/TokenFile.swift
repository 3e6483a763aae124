import Foundation

/// Reads the bearer token for `attach --token-file F`: the file's text without surrounding
/// whitespace (a trailing newline is usual), which must not be empty nor span lines.
public enum TokenFile {
    /// A token file that cannot be used: says which file and why.
    public struct Unusable: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public static func read(_ path: String) throws(Unusable) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "it does not exist or is not readable"
            throw Unusable(description: "cannot read the token file \(path): \(reason)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// The token in a token file's text.
    public static func parse(_ text: String, path: String) throws(Unusable) -> String {
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw Unusable(description: "the token file \(path) is empty: put the token meshtop serve was given in it")
        }
        guard !token.contains(where: \.isNewline), !token.contains(" ") else {
            throw Unusable(description: "the token file \(path) holds more than one word: it must hold the token alone")
        }
        return token
    }
}
