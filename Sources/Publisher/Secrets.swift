import Foundation
import SieveCore

/// A channel that cannot be used as configured (missing token, unreadable template …).
public struct ChannelSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Reads a channel's token from the environment variable or file the config names. Tokens are kept in memory
/// only: never written to the database, never put in a log line or an error message.
public enum ChannelSecrets {
    public static func token(
        for channel: ChannelConfig, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ChannelSetupError) -> String? {
        if let name = channel.tokenEnv {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw ChannelSetupError(description: "\(channel.display): environment variable \(name) (token_env) is not set or empty")
            }
            return value
        }
        if let path = channel.tokenFile {
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !text.isEmpty
            else {
                throw ChannelSetupError(description: "\(channel.display): token file \(path) (token_file) is missing, unreadable or empty")
            }
            return text
        }
        return nil
    }
}

extension String {
    /// This text with every occurrence of `secret` replaced, so a URL or body echoed in an error never leaks it.
    func redacting(_ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return self }
        return replacingOccurrences(of: secret, with: "[REDACTED]")
    }
}
