import Crypto
import Foundation
import SieveCore
import TestSupport

/// Something a fake platform does to one request instead of (or around) its normal handling.
enum Injection: Sendable {
    /// Answer 429 with the platform's own retry hint (seconds).
    case throttle(Double)
    /// Answer with this 5xx status.
    case serverError(Int)
    /// Take the request in full, then never answer within the client's timeout (nothing is posted).
    case hang(Double)
    /// Post it, then stall this long before answering (the client may time out or die meanwhile).
    case acceptThenStall(Double)
}

/// A message a fake platform accepted.
struct FakePost: Sendable {
    var id: String
    var text: String
    var key: String?
    var deleted = false
    var json: [String: Any] { [:] }
}

/// A local server with the shape of one platform's API: its paths, auth, success bodies, error bodies and
/// rate-limit hints, and — where the real API has it — idempotency: a repeated key returns the first result
/// and never posts twice. Mastodon (Idempotency-Key), LINE (X-Line-Retry-Key → 409) and our webhook
/// (X-Sieve-Idempotency-Key) de-duplicate; Telegram, Discord, Slack and Facebook do not.
final class FakePlatform: @unchecked Sendable {  // private state under `lock`; `stall` and `server` are set before requests come
    let kind: ChannelKind
    let token: String
    private let lock = NSLock()
    private var _posts: [FakePost] = []
    private var _script: [Injection] = []
    private var keys: [String: String] = [:]  // idempotency key → post id
    private var nextID = 100
    /// Every request stalls this long after posting (the slow server of the kill test).
    var stall: Double = 0
    /// While set: once this many posts are in, every request that posted holds its answer until the hold is lifted
    /// (set to nil) or 60 s pass — so a kill test finds the run mid-request however slowly the test itself is
    /// scheduled on a loaded machine.
    var holdAfter: Int? {
        get { gate.withLock { _holdAfter } }
        set {
            gate.lock()
            _holdAfter = newValue
            gate.broadcast()
            gate.unlock()
        }
    }
    private let gate = NSCondition()
    private var _holdAfter: Int?
    private var _attempts = 0
    private var _requestTimes: [Date] = []
    private var _webhookEvents: [[String: Any]] = []
    var server: TestHTTPServer!

    init(kind: ChannelKind, token: String = "tok-\(UUID().uuidString.prefix(8))") throws {
        self.kind = kind
        self.token = token
        server = try TestHTTPServer { [unowned self] request, connection in
            self.handle(request, connection)
        }
    }

    var posts: [FakePost] { lock.withLock { _posts } }
    var attempts: Int { lock.withLock { _attempts } }
    var requestTimes: [Date] { lock.withLock { _requestTimes } }
    var webhookEvents: [[String: Any]] { lock.withLock { _webhookEvents } }

    func script(_ injections: Injection...) { lock.withLock { _script.append(contentsOf: injections) } }

    /// The URL to put in the channel's config.
    var channelURL: String {
        switch kind {
        case .discord: return server.baseURL + "/api/webhooks/123/abc"
        case .slack: return server.baseURL + "/services/T000/B000/XXXX"
        case .webhook: return server.baseURL + "/eoc/hook"
        case .facebook: return server.baseURL + "/v21.0"
        default: return server.baseURL
        }
    }

    func channel(name: String? = nil) -> ChannelConfig {
        var c = ChannelConfig(name: name ?? kind.rawValue, kind: kind, url: channelURL, allowPrivate: true)
        c.timeout = 5
        c.ratePerMinute = 60_000
        switch kind {
        case .telegram: c.chatID = "@typhoon_tw"
        case .facebook: c.pageID = "4242"
        case .line: break
        default: break
        }
        return c
    }

    private func nextInjection() -> Injection? {
        lock.withLock { _script.isEmpty ? nil : _script.removeFirst() }
    }

    private func newID() -> String {
        lock.withLock {
            nextID += 1
            return String(nextID)
        }
    }

    private func respondJSON(_ c: TestConnection, _ status: Int, _ object: Any, headers: [String: String] = [:]) {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var h = headers
        h["Content-Type"] = "application/json; charset=utf-8"
        c.respond(status: status, headers: h, body: data)
    }

    private func handle(_ r: TestRequest, _ c: TestConnection) {
        lock.withLock {
            _attempts += 1
            _requestTimes.append(Date())
        }
        var stallAfter = stall
        switch nextInjection() {
        case .throttle(let seconds)?:
            throttle(c, seconds)
            return
        case .serverError(let status)?:
            switch kind {
            case .telegram: respondJSON(c, status, ["ok": false, "error_code": status, "description": "Internal Server Error"])
            case .slack: c.respond(status: status, body: "rollup_error")
            default: respondJSON(c, status, ["error": "Internal server error"])
            }
            return
        case .hang(let seconds)?:
            Thread.sleep(forTimeInterval: seconds)
            return
        case .acceptThenStall(let seconds)?:
            stallAfter = seconds
        case nil: break
        }
        let (status, body, headers) = process(r)
        if stallAfter > 0 { Thread.sleep(forTimeInterval: stallAfter) }
        let deadline = Date().addingTimeInterval(60)
        gate.lock()
        while let h = _holdAfter, posts.count >= h, Date() < deadline { _ = gate.wait(until: deadline) }
        gate.unlock()
        if let text = body as? String {
            c.respond(status: status, headers: headers, body: text)
        } else {
            respondJSON(c, status, body, headers: headers)
        }
    }

    private func throttle(_ c: TestConnection, _ seconds: Double) {
        switch kind {
        case .telegram:
            let s = Int(seconds.rounded(.up))
            respondJSON(c, 429, ["ok": false, "error_code": 429, "description": "Too Many Requests: retry after \(s)", "parameters": ["retry_after": s]])
        case .discord:
            respondJSON(c, 429, ["message": "You are being rate limited.", "retry_after": seconds, "global": false])
        case .mastodon:
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]  // as Mastodon sends it
            let reset = formatter.string(from: Date().addingTimeInterval(seconds))
            respondJSON(c, 429, ["error": "Too many requests"], headers: ["X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset])
        case .facebook:
            respondJSON(c, 400, ["error": ["message": "(#32) Page request limit reached", "type": "OAuthException", "code": 32]], headers: ["Retry-After": String(Int(seconds.rounded(.up)))])
        case .slack:
            c.respond(status: 429, headers: ["Retry-After": String(Int(seconds.rounded(.up)))], body: "rate_limited")
        default:
            respondJSON(c, 429, ["message": "Too many requests"], headers: ["Retry-After": String(Int(seconds.rounded(.up)))])
        }
    }

    /// The platform's normal handling: (status, body (String or JSON object), headers).
    private func process(_ r: TestRequest) -> (Int, Any, [String: String]) {
        let auth = r.headers["authorization"]
        switch kind {
        case .mastodon:
            guard auth == "Bearer \(token)" else { return (401, ["error": "The access token is invalid"], [:]) }
            if r.method == "PUT", r.path.hasPrefix("/api/v1/statuses/") {
                let id = String(r.path.dropFirst("/api/v1/statuses/".count))
                let text = r.json?["status"] as? String ?? ""
                return lock.withLock {
                    guard let i = _posts.firstIndex(where: { $0.id == id && !$0.deleted }) else {
                        return (404, ["error": "Record not found"], [:])
                    }
                    _posts[i].text = text
                    return (200, ["id": id, "text": text], [:])
                }
            }
            if r.method == "DELETE", r.path.hasPrefix("/api/v1/statuses/") {
                let id = String(r.path.dropFirst("/api/v1/statuses/".count))
                return lock.withLock {
                    guard let i = _posts.firstIndex(where: { $0.id == id && !$0.deleted }) else {
                        return (404, ["error": "Record not found"], [:])
                    }
                    _posts[i].deleted = true
                    return (200, ["id": id, "text": _posts[i].text], [:])
                }
            }
            guard r.method == "POST", r.path == "/api/v1/statuses" else { return (404, ["error": "Record not found"], [:]) }
            let text = r.json?["status"] as? String ?? ""
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return (422, ["error": "Validation failed: Text can't be blank"], [:])
            }
            if text.count > 500 { return (422, ["error": "Validation failed: Text character limit of 500 exceeded"], [:]) }
            return post(text: text, key: r.headers["idempotency-key"]) { id, _ in
                (200, ["id": id, "content": "<p>\(text)</p>", "visibility": r.json?["visibility"] ?? "public"], [:])
            }
        case .telegram:
            guard r.path.hasPrefix("/bot\(token)/") else {
                return (401, ["ok": false, "error_code": 401, "description": "Unauthorized"], [:])
            }
            let method = r.path.dropFirst("/bot\(token)/".count)
            let json = r.json ?? [:]
            if method == "deleteMessage" {
                let id = (json["message_id"] as? Int).map(String.init) ?? ""
                return lock.withLock {
                    guard let i = _posts.firstIndex(where: { $0.id == id && !$0.deleted }) else {
                        return (400, ["ok": false, "error_code": 400, "description": "Bad Request: message to delete not found"], [:])
                    }
                    _posts[i].deleted = true
                    return (200, ["ok": true, "result": true], [:])
                }
            }
            if method == "editMessageText" {
                let id = (json["message_id"] as? Int).map(String.init) ?? ""
                let text = json["text"] as? String ?? ""
                return lock.withLock {
                    guard let i = _posts.firstIndex(where: { $0.id == id && !$0.deleted }) else {
                        return (400, ["ok": false, "error_code": 400, "description": "Bad Request: message to edit not found"], [:])
                    }
                    _posts[i].text = text
                    return (200, ["ok": true, "result": ["message_id": Int(id) ?? 0, "text": text]], [:])
                }
            }
            guard method == "sendMessage" else { return (404, ["ok": false, "error_code": 404, "description": "Not Found"], [:]) }
            guard json["chat_id"] != nil else {
                return (400, ["ok": false, "error_code": 400, "description": "Bad Request: chat_id is empty"], [:])
            }
            let text = json["text"] as? String ?? ""
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return (400, ["ok": false, "error_code": 400, "description": "Bad Request: message text is empty"], [:])
            }
            if text.utf16.count > 4096 {
                return (400, ["ok": false, "error_code": 400, "description": "Bad Request: message is too long"], [:])
            }
            return post(text: text, key: nil) { id, _ in
                (200, ["ok": true, "result": ["message_id": Int(id)!, "chat": ["id": -100123, "type": "channel"], "date": Int(Date().timeIntervalSince1970), "text": text]], [:])
            }
        case .line:
            guard auth == "Bearer \(token)" else {
                return (401, ["message": "Authentication failed. Confirm that the access token in the authorization header is valid."], [:])
            }
            guard r.path == "/v2/bot/message/broadcast" || r.path == "/v2/bot/message/push" else { return (404, ["message": "Not found"], [:]) }
            let key = r.headers["x-line-retry-key"]
            if let key, UUID(uuidString: key) == nil { return (400, ["message": "The retry key is invalid"], [:]) }
            let messages = r.json?["messages"] as? [[String: Any]] ?? []
            let text = messages.first?["text"] as? String ?? ""
            if messages.isEmpty || text.isEmpty {
                return (400, ["message": "The request body has 1 error(s)", "details": [["message": "must be specified", "property": "messages[0].text"]]], [:])
            }
            if text.count > 5000 {
                return (400, ["message": "The request body has 1 error(s)", "details": [["message": "Length must be between 0 and 5000", "property": "messages[0].text"]]], [:])
            }
            if let key, let first = lock.withLock({ keys[key] }) {
                return (409, ["message": "The retry key is already accepted", "sentMessages": []], ["X-Line-Accepted-Request-Id": first])
            }
            return post(text: text, key: key) { id, _ in (200, [String: Any](), ["X-Line-Request-Id": "req-\(id)"]) }
        case .facebook:
            guard auth == "Bearer \(token)" else {
                return (400, ["error": ["message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190]], [:])
            }
            if r.method == "DELETE", r.path.hasPrefix("/v21.0/4242_") {
                let id = String(r.path.dropFirst("/v21.0/4242_".count))
                return lock.withLock {
                    guard let i = _posts.firstIndex(where: { $0.id == id && !$0.deleted }) else {
                        return (400, ["error": ["message": "(#100) Object does not exist", "type": "GraphMethodException", "code": 100]], [:])
                    }
                    _posts[i].deleted = true
                    return (200, ["success": true], [:])
                }
            }
            guard r.method == "POST", r.path == "/v21.0/4242/feed" else {
                return (400, ["error": ["message": "Unsupported post request.", "type": "GraphMethodException", "code": 100]], [:])
            }
            let form = Self.form(r.bodyText)
            let text = form["message"] ?? ""
            if text.isEmpty, form["link"] == nil {
                return (400, ["error": ["message": "(#100) Missing message or attachment", "type": "OAuthException", "code": 100]], [:])
            }
            return post(text: text, key: nil) { id, _ in (200, ["id": "4242_\(id)"], [:]) }
        case .discord:
            guard r.path.hasPrefix("/api/webhooks/123/abc") else { return (401, ["message": "Invalid Webhook Token", "code": 50027], [:]) }
            if r.method == "DELETE", r.path.hasPrefix("/api/webhooks/123/abc/messages/11") {
                let id = String(r.path.dropFirst("/api/webhooks/123/abc/messages/11".count))
                return lock.withLock {
                    guard let i = _posts.firstIndex(where: { $0.id == id && !$0.deleted }) else {
                        return (404, ["message": "Unknown Message", "code": 10008], [:])
                    }
                    _posts[i].deleted = true
                    return (204, "", [:])
                }
            }
            let text = r.json?["content"] as? String ?? ""
            if text.isEmpty { return (400, ["message": "Cannot send an empty message", "code": 50006], [:]) }
            if text.count > 2000 {
                return (400, ["message": "Invalid Form Body", "code": 50035, "errors": ["content": ["_errors": [["code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."]]]]], [:])
            }
            let wait = r.path.contains("wait=true")
            return post(text: text, key: nil) { id, _ -> (Int, Any, [String: String]) in
                if wait { return (200, ["id": "11\(id)", "content": text, "channel_id": "9"] as [String: Any], [:]) }
                return (204, "", [:])
            }
        case .slack:
            guard r.path == "/services/T000/B000/XXXX" else { return (404, "no_service", [:]) }
            guard let json = r.json else { return (400, "invalid_payload", [:]) }
            let text = json["text"] as? String ?? ""
            if text.isEmpty { return (400, "no_text", [:]) }
            return post(text: text, key: nil) { _, _ in (200, "ok", [:]) }
        case .webhook:
            guard let ts = r.headers["x-sieve-timestamp"], let sig = r.headers["x-sieve-signature"],
                let t = Double(ts), abs(t - Date().timeIntervalSince1970) < 300
            else { return (401, ["error": "missing or stale signature headers"], [:]) }
            var signed = Data(ts.utf8)
            signed.append(UInt8(ascii: "."))
            signed.append(r.body)
            let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(token.utf8)))
            let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
            guard sig == expected else { return (401, ["error": "bad signature"], [:]) }
            guard let key = r.headers["x-sieve-idempotency-key"], let json = r.json else {
                return (400, ["error": "missing idempotency key or body"], [:])
            }
            if let first = lock.withLock({ keys[key] }) { return (200, ["id": first, "duplicate": true], [:]) }
            lock.withLock { _webhookEvents.append(json) }
            let item = json["item"] as? [String: Any]
            return post(text: item?["message"] as? String ?? "", key: key) { id, _ in (202, ["id": id], [:]) }
        default:
            return (500, ["error": "not a platform"], [:])
        }
    }

    private func post(text: String, key: String?, _ reply: (String, Bool) -> (Int, Any, [String: String])) -> (Int, Any, [String: String]) {
        let id = newID()
        let existing: String? = lock.withLock {
            if let key, let first = keys[key] { return first }
            if let key { keys[key] = id }
            _posts.append(FakePost(id: id, text: text, key: key))
            return nil
        }
        if let existing { return reply(existing, true) }  // the same answer as the first time; nothing posted
        return reply(id, false)
    }

    static func form(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if kv.count == 2 { out[kv[0]] = kv[1] }
        }
        return out
    }
}
