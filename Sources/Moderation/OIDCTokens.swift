import Crypto
import Foundation
import _CryptoExtras

/// A claim's JSON value, for claims whose shape the provider chooses (roles as a string, an array, or nested).
public enum ClaimValue: Sendable, Equatable, Decodable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([ClaimValue])
    case object([String: ClaimValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([ClaimValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: ClaimValue].self))
        }
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var number: Double? { if case .number(let n) = self { n } else { nil } }

    /// The strings in this value: itself, or the strings of an array (roles come both ways).
    public var strings: [String] {
        switch self {
        case .string(let s): [s]
        case .array(let a): a.compactMap(\.string)
        default: []
        }
    }

    /// The value at a dotted path ("realm_access.roles"); a key that itself holds a dot is tried whole first.
    public func at(path: String) -> ClaimValue? {
        guard case .object(let o) = self else { return nil }
        if let v = o[path] { return v }
        guard let dot = path.firstIndex(of: ".") else { return nil }
        return o[String(path[..<dot])]?.at(path: String(path[path.index(after: dot)...]))
    }
}

/// Why a sign-in through the provider was refused. The text names what was wrong (never a token or secret) and
/// goes to the audit log; the person sees a short message.
public struct OIDCError: Error, Sendable, CustomStringConvertible, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// One key of the provider's JSON Web Key Set.
public struct JWK: Sendable, Decodable, Equatable {
    public var kty: String
    public var kid: String?
    public var use: String?
    public var alg: String?
    public var n: String?
    public var e: String?
    public var crv: String?
    public var x: String?
    public var y: String?

    public init(
        kty: String, kid: String? = nil, use: String? = nil, alg: String? = nil, n: String? = nil, e: String? = nil,
        crv: String? = nil, x: String? = nil, y: String? = nil
    ) {
        (self.kty, self.kid, self.use, self.alg, self.n, self.e, self.crv, self.x, self.y) = (kty, kid, use, alg, n, e, crv, x, y)
    }
}

struct JWKSet: Decodable { var keys: [JWK] }

/// What Sieve reads from a verified ID token.
public struct IDTokenClaims: Sendable, Equatable {
    public var issuer: String
    public var subject: String
    public var audience: [String]
    public var expires: Date
    public var issuedAt: Date
    public var all: ClaimValue

    public subscript(path: String) -> ClaimValue? { all.at(path: path) }
}

/// Checks an ID token as OpenID Connect Core §3.1.3.7 asks: a JWS signed with one of the provider's keys (RS256/384/512
/// or ES256/384; never "none", never a MAC), issued by the configured issuer, for this client (`aud`, and `azp`
/// when there are several audiences), not expired and not issued in the future (within `skew`), carrying the
/// nonce this sign-in sent.
public enum IDTokenVerifier {
    public static let algorithms: Set<String> = ["RS256", "RS384", "RS512", "ES256", "ES384"]

    struct Header: Decodable {
        var alg: String
        var kid: String?
        var typ: String?
        var crit: [String]?
    }

    public static func verify(
        _ token: String, keys: [JWK], issuer: String, clientID: String, nonce: String, now: Date = Date(),
        skew: TimeInterval = 60
    ) throws(OIDCError) -> IDTokenClaims {
        let header = try header(of: token)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard let payloadData = base64URL(parts[1]), let signature = base64URL(parts[2]) else {
            throw OIDCError("ID token: a part is not base64url")
        }
        let candidates = keys.filter { key in
            (header.kid == nil || key.kid == header.kid) && (key.use == nil || key.use == "sig")
                && (key.alg == nil || key.alg == header.alg) && key.kty == (header.alg.hasPrefix("ES") ? "EC" : "RSA")
        }
        guard !candidates.isEmpty else {
            throw OIDCError("ID token: no key of the provider matches kid \(header.kid ?? "(none)") and alg \(header.alg)")
        }
        let signed = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard candidates.contains(where: { isValid(signature: signature, of: signed, alg: header.alg, key: $0) }) else {
            throw OIDCError("ID token: the signature does not verify with the provider's key (tampered or forged)")
        }
        let all: ClaimValue
        do {
            all = try JSONDecoder().decode(ClaimValue.self, from: payloadData)
        } catch {
            throw OIDCError("ID token: the payload is not a JSON object")
        }
        guard case .object(let claims) = all else { throw OIDCError("ID token: the payload is not a JSON object") }
        guard let iss = claims["iss"]?.string, iss == issuer else {
            throw OIDCError("ID token: issuer \(claims["iss"]?.string ?? "(missing)") is not the configured \(issuer)")
        }
        let audience = claims["aud"]?.strings ?? []
        guard audience.contains(clientID) else {
            throw OIDCError("ID token: audience \(audience) does not include this client (\(clientID))")
        }
        if let azp = claims["azp"]?.string, azp != clientID {
            throw OIDCError("ID token: authorized party \(azp) is not this client (\(clientID))")
        }
        if audience.count > 1, claims["azp"] == nil {
            throw OIDCError("ID token: several audiences and no azp naming this client")
        }
        guard let exp = claims["exp"]?.number, let iat = claims["iat"]?.number else {
            throw OIDCError("ID token: exp or iat is missing")
        }
        let expires = Date(timeIntervalSince1970: exp)
        let issuedAt = Date(timeIntervalSince1970: iat)
        guard expires.addingTimeInterval(skew) > now else {
            throw OIDCError("ID token: expired at \(iso(expires)) (now \(iso(now)), \(Int(skew)) s of clock skew allowed)")
        }
        guard issuedAt.addingTimeInterval(-skew) <= now else {
            throw OIDCError("ID token: issued in the future (\(iso(issuedAt)), now \(iso(now)))")
        }
        if let nbf = claims["nbf"]?.number, Date(timeIntervalSince1970: nbf).addingTimeInterval(-skew) > now {
            throw OIDCError("ID token: not valid before \(iso(Date(timeIntervalSince1970: nbf)))")
        }
        guard let sent = claims["nonce"]?.string, Secrets.constantTimeEquals(sent, nonce) else {
            throw OIDCError("ID token: the nonce does not match this sign-in (a token replayed from another sign-in)")
        }
        guard let sub = claims["sub"]?.string, !sub.isEmpty, sub.utf8.count <= 255 else {
            throw OIDCError("ID token: sub is missing or longer than 255 bytes")
        }
        return IDTokenClaims(issuer: iss, subject: sub, audience: audience, expires: expires, issuedAt: issuedAt, all: all)
    }

    /// The JOSE header, checked: three parts, an allowed algorithm, no critical extensions.
    static func header(of token: String) throws(OIDCError) -> Header {
        guard token.utf8.count <= 64 * 1024 else { throw OIDCError("ID token: longer than 64 KB") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw OIDCError("ID token: not a signed JWT (\(parts.count) parts, expected 3)") }
        guard let data = base64URL(parts[0]), let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw OIDCError("ID token: the header is not valid JSON with an alg")
        }
        guard algorithms.contains(header.alg) else {
            throw OIDCError("ID token: algorithm \(header.alg) is not accepted (accepted: \(algorithms.sorted().joined(separator: ", ")))")
        }
        if let crit = header.crit, !crit.isEmpty { throw OIDCError("ID token: unsupported critical header parameters \(crit)") }
        return header
    }

    static func isValid(signature: Data, of signed: Data, alg: String, key: JWK) -> Bool {
        switch alg {
        case "RS256", "RS384", "RS512":
            guard let n = key.n.flatMap(base64URL), let e = key.e.flatMap(base64URL),
                let publicKey = try? _RSA.Signing.PublicKey(n: n, e: e), publicKey.keySizeInBits >= 2048
            else { return false }
            let sig = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch alg {
            case "RS256": return publicKey.isValidSignature(sig, for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
            case "RS384": return publicKey.isValidSignature(sig, for: SHA384.hash(data: signed), padding: .insecurePKCS1v1_5)
            default: return publicKey.isValidSignature(sig, for: SHA512.hash(data: signed), padding: .insecurePKCS1v1_5)
            }
        case "ES256":
            guard key.crv == "P-256", let x = key.x.flatMap(base64URL), let y = key.y.flatMap(base64URL),
                let publicKey = try? P256.Signing.PublicKey(rawRepresentation: x + y),
                let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return publicKey.isValidSignature(sig, for: SHA256.hash(data: signed))
        case "ES384":
            guard key.crv == "P-384", let x = key.x.flatMap(base64URL), let y = key.y.flatMap(base64URL),
                let publicKey = try? P384.Signing.PublicKey(rawRepresentation: x + y),
                let sig = try? P384.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return publicKey.isValidSignature(sig, for: SHA384.hash(data: signed))
        default:
            return false
        }
    }

    static func base64URL<S: StringProtocol>(_ s: S) -> Data? {
        var text = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !text.contains("=") else { return nil }
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }

    static func iso(_ d: Date) -> String { ISO8601DateFormatter().string(from: d) }
}

/// base64url without padding (PKCE verifiers and challenges, JWT parts).
public func base64URLEncoded(_ data: some DataProtocol) -> String {
    Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
