import Crypto
import Foundation
import Moderation
import SieveCore
import Testing
import _CryptoExtras

/// The ID-token checks one by one, with keys made here (the end-to-end refusals run against the real provider in
/// OIDCTests).
struct OIDCTokenTests {
    static let issuer = "https://sso.example.gov.tw"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func b64(_ data: some DataProtocol) -> String { base64URLEncoded(data) }

    static func claims(_ extra: [String: Any] = [:]) -> [String: Any] {
        var c: [String: Any] = [
            "iss": issuer, "aud": "sieve", "sub": "u-1", "nonce": "n-1", "iat": now.timeIntervalSince1970 - 10,
            "exp": now.timeIntervalSince1970 + 300, "groups": ["sieve-moderators"],
        ]
        for (k, v) in extra { c[k] = v }
        return c
    }

    static func es256(_ claims: [String: Any], key: P256.Signing.PrivateKey, kid: String = "k1", alg: String = "ES256") throws -> String {
        let header = b64(try JSONSerialization.data(withJSONObject: ["alg": alg, "kid": kid]))
        let payload = b64(try JSONSerialization.data(withJSONObject: claims))
        let signature = try key.signature(for: Data("\(header).\(payload)".utf8))
        return "\(header).\(payload).\(b64(signature.rawRepresentation))"
    }

    static func jwk(_ key: P256.Signing.PrivateKey, kid: String = "k1") -> JWK {
        let raw = key.publicKey.rawRepresentation
        return JWK(kty: "EC", kid: kid, use: "sig", alg: nil, n: nil, e: nil, crv: "P-256", x: b64(raw.prefix(32)), y: b64(raw.suffix(32)))
    }

    func verify(_ token: String, keys: [JWK], nonce: String = "n-1") throws(OIDCError) -> IDTokenClaims {
        try IDTokenVerifier.verify(token, keys: keys, issuer: Self.issuer, clientID: "sieve", nonce: nonce, now: Self.now)
    }

    func refusal(_ token: String, keys: [JWK], nonce: String = "n-1") -> String? {
        do {
            _ = try verify(token, keys: keys, nonce: nonce)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func acceptsAGoodTokenAndReadsNestedClaims() throws {
        let key = P256.Signing.PrivateKey()
        let token = try Self.es256(Self.claims(["realm_access": ["roles": ["eoc"]]]), key: key)
        let claims = try verify(token, keys: [Self.jwk(key)])
        #expect(claims.subject == "u-1")
        #expect(claims["groups"]?.strings == ["sieve-moderators"])
        #expect(claims["realm_access.roles"]?.strings == ["eoc"])
    }

    @Test func refusesEachWayATokenCanBeWrong() throws {
        let key = P256.Signing.PrivateKey(), other = P256.Signing.PrivateKey()
        let keys = [Self.jwk(key)]
        let t = Self.now.timeIntervalSince1970
        let cases: [(String, String)] = [
            (try Self.es256(Self.claims(), key: other), "signature does not verify"),
            (try Self.es256(Self.claims(), key: key, kid: "unknown"), "no key of the provider matches"),
            (try Self.es256(Self.claims(["aud": "another-app"]), key: key), "audience"),
            (try Self.es256(Self.claims(["aud": ["sieve", "another-app"]]), key: key), "several audiences and no azp"),
            (try Self.es256(Self.claims(["azp": "another-app"]), key: key), "authorized party"),
            (try Self.es256(Self.claims(["iss": "https://evil.example"]), key: key), "issuer"),
            (try Self.es256(Self.claims(["exp": t - 61]), key: key), "expired"),
            (try Self.es256(Self.claims(["iat": t + 120]), key: key), "issued in the future"),
            (try Self.es256(Self.claims(["nbf": t + 120]), key: key), "not valid before"),
            (try Self.es256(Self.claims(["nonce": "n-2"]), key: key), "nonce"),
            (try Self.es256(Self.claims(["sub": ""]), key: key), "sub"),
            (try Self.es256(Self.claims(), key: key, alg: "HS256"), "algorithm HS256 is not accepted"),
            ("a.b", "not a signed JWT"),
            ("%%%.e30.AA", "header"),
        ]
        for (token, reason) in cases {
            let why = refusal(token, keys: keys)
            #expect(why?.contains(reason) == true, "expected “\(reason)”, got \(why ?? "acceptance")")
        }
        // Within the allowed clock skew (60 s) an expiry just passed is still fine.
        #expect(refusal(try Self.es256(Self.claims(["exp": t - 30]), key: key), keys: keys) == nil)
        // The payload changed after signing (more privileges asked for): the signature no longer holds.
        let good = try Self.es256(Self.claims(), key: key).split(separator: ".")
        let forged = "\(good[0]).\(Self.b64(try JSONSerialization.data(withJSONObject: Self.claims(["groups": ["sieve-admins"]])))).\(good[2])"
        #expect(refusal(forged, keys: keys)?.contains("signature does not verify") == true)
    }

    @Test func verifiesRS256() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try key.publicKey.getKeyPrimitives()
        let jwk = JWK(kty: "RSA", kid: "r1", use: "sig", alg: "RS256", n: Self.b64(primitives.modulus), e: Self.b64(primitives.publicExponent), crv: nil, x: nil, y: nil)
        let header = Self.b64(try JSONSerialization.data(withJSONObject: ["alg": "RS256", "kid": "r1"]))
        let payload = Self.b64(try JSONSerialization.data(withJSONObject: Self.claims()))
        let sig = try key.signature(for: SHA256.hash(data: Data("\(header).\(payload)".utf8)), padding: .insecurePKCS1v1_5)
        #expect(try verify("\(header).\(payload).\(Self.b64(sig.rawRepresentation))", keys: [jwk]).subject == "u-1")
        var bad = Array(sig.rawRepresentation)
        bad[10] ^= 1
        #expect(refusal("\(header).\(payload).\(Self.b64(bad))", keys: [jwk])?.contains("signature") == true)
    }

    @Test func configErrorsNameTheLine() throws {
        let good = """
            [oidc]
            issuer = "https://sso.example.gov.tw"
            client_id = "sieve"
            client_secret_env = "SIEVE_OIDC_SECRET"
            redirect_uri = "https://sieve.example.gov.tw/auth/oidc/callback"
            role_claim = "realm_access.roles"

            [oidc.roles]
            admin = ["sieve-admin"]
            moderator = "sieve-moderator"
            """
        let config = try SieveConfig.parse(good, file: "sieve.toml")
        let sso = try #require(config.oidc)
        #expect(sso.roles["moderator"] == ["sieve-moderator"])
        #expect(sso.localLogin)
        #expect(throws: ConfigError.self) { try sso.clientSecret(environment: [:]) }
        #expect(try sso.clientSecret(environment: ["SIEVE_OIDC_SECRET": "s3cret"]) == "s3cret")
        func message(_ text: String) -> String {
            do {
                _ = try SieveConfig.parse(text, file: "sieve.toml")
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(message(good.replacingOccurrences(of: "client_secret_env = \"SIEVE_OIDC_SECRET\"", with: "client_secret = \"x\""))
            .hasPrefix("sieve.toml:4: oidc.client_secret: secrets are never written"))
        #expect(message(good.replacingOccurrences(of: "https://sso.example.gov.tw\"", with: "sso.example.gov.tw\"")).hasPrefix("sieve.toml:2: oidc.issuer:"))
        #expect(message(good.replacingOccurrences(of: "moderator = ", with: "moderater = ")).contains("sieve.toml:10: oidc.roles.moderater: unknown key (did you mean `moderator`?)"))
        #expect(message(good.components(separatedBy: "[oidc.roles]")[0]).contains("oidc.roles: missing"))
        #expect(message(good.replacingOccurrences(of: "issuer = \"https:", with: "issuer = \"http:")).hasPrefix("sieve.toml:2: oidc.issuer: must be https"))
        #expect(message(good.replacingOccurrences(of: "issuer = \"https:", with: "issuer = \"http:").replacingOccurrences(of: "[oidc]\n", with: "[oidc]\nallow_private = true\n")) == "accepted")
    }
}
