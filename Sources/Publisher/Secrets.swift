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

    /// The channel's URL: `url` from the config, or — for the kinds whose URL is the credential (Slack, Discord,
    /// signed webhooks) — read from the environment variable (`url_env`) or file (`url_file`) the config names.
    public static func url(
        for channel: ChannelConfig, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ChannelSetupError) -> String? {
        if let name = channel.urlEnv {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw ChannelSetupError(description: "\(channel.display): environment variable \(name) (url_env) is not set or empty")
            }
            return try checked(value, channel, from: "environment variable \(name) (url_env)")
        }
        if let path = channel.urlFile {
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else {
                throw ChannelSetupError(description: "\(channel.display): URL file \(path) (url_file) is missing, unreadable or empty")
            }
            return try checked(text, channel, from: "file \(path) (url_file)")
        }
        return channel.url
    }

    static func checked(_ url: String, _ channel: ChannelConfig, from: String) throws(ChannelSetupError) -> String {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), URL(string: url)?.host != nil else {
            // Never echo the value: it is a secret.
            throw ChannelSetupError(description: "\(channel.display): the \(from) does not hold an http(s) URL")
        }
        return url
    }
}

extension String {
    /// This text with every occurrence of `secret` replaced, so a URL or body echoed in an error never leaks it.
    func redacting(_ secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return self }
        return replacingOccurrences(of: secret, with: "[REDACTED]")
    }
}

/// Checking the signature Sieve puts on its webhook deliveries (`X-Sieve-Timestamp`, `X-Sieve-Signature:
/// sha256=<hex HMAC-SHA256(secret, "timestamp.body")>`), as an EOC endpoint must: the receiving side of
/// `ChannelAPI.signature`, with a replay window.
public enum WebhookSignature {
    public enum Failure: Error, Equatable, CustomStringConvertible, Sendable {
        case malformed(String)
        case stale(seconds: Int)
        case mismatch
        public var description: String {
            switch self {
            case .malformed(let what): return "malformed signature headers: \(what)"
            case .stale(let s): return "timestamp is \(s) s away from now (more than the allowed window): a replay?"
            case .mismatch: return "signature does not match the body"
            }
        }
    }

    /// Accepts a delivery when `signature` is `sha256=` and the HMAC of `timestamp.body` under `secret`, and the
    /// timestamp (Unix seconds) lies within `window` seconds of `now`. Constant-time comparison.
    public static func verify(
        secret: String, timestamp: String, signature: String, body: Data, now: Date = Date(), window: TimeInterval = 300
    ) throws(Failure) {
        guard timestamp.count <= 12, !timestamp.isEmpty, timestamp.allSatisfy({ $0.isASCII && $0.isNumber }),
            let seconds = Int64(timestamp)
        else { throw .malformed("X-Sieve-Timestamp must be Unix seconds") }
        let skew = abs(now.timeIntervalSince1970 - Double(seconds))
        guard skew <= window else { throw .stale(seconds: Int(min(skew, Double(Int32.max)))) }
        guard signature.hasPrefix("sha256="), signature.utf8.count == 7 + 64 else {
            throw .malformed("X-Sieve-Signature must be sha256= and 64 hex digits")
        }
        let expected = ChannelAPI.signature(secret: secret, timestamp: timestamp, body: body)
        let given = Array(signature.utf8.dropFirst(7)).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
        let wanted = Array(expected.utf8)
        var difference: UInt8 = given.count == wanted.count ? 0 : 1
        for (a, b) in zip(given, wanted) { difference |= a ^ b }
        guard difference == 0 else { throw .mismatch }
    }
}
