import Crypto
import Foundation

/// Random tokens and hashes for sessions, CSRF and API tokens.
enum Secrets {
    /// `bytes` random bytes from the system CSPRNG, base64url without padding (cookie- and header-safe).
    static func token(bytes: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return base64URLEncoded(raw)
    }

    /// Lower-case hex SHA-256 of the UTF-8 text.
    static func sha256(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares in time independent of where the strings differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// API tokens: created by `sieve user token`, only their SHA-256 is stored.
public enum APITokens {
    /// A new token ("sieve_" + 32 random bytes) and the hash to store.
    public static func generate() -> (token: String, hash: String) {
        let token = "sieve_" + Secrets.token(bytes: 32)
        return (token, Secrets.sha256(token))
    }

    public static func hash(_ token: String) -> String { Secrets.sha256(token) }
}
