import Net
import Crypto
import Foundation
import SieveCore
import Store

/// How one attempt ended.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted; `remoteID` is the channel's id for it (for a later retraction).
    case delivered(remoteID: String?)
    /// Worth retrying: a timeout, a 5xx, a 429. `after` is the channel's own hint in seconds, when it gave one.
    case retry(error: String, after: Double?, throttled: Bool)
    /// The channel refused it for good (validation error, bad token): dead-lettered at once.
    case rejected(error: String)
    /// The channel cannot do this (delete a LINE message …).
    case unsupported(String)
}

/// A delivery ready to send, or already decided without a request.
public enum PreparedDelivery: Sendable {
    case send(HTTPRequest)
    case decided(DeliveryOutcome)
}

/// One remote channel's API: builds the request for a delivery and reads the answer, faithful to each
/// platform's documented shapes (success bodies, error bodies, rate-limit hints).
public struct ChannelAPI: Sendable {
    public let channel: ChannelConfig
    let token: String?
    public let template: MessageTemplate
    /// The clock used for webhook timestamps (tests pin it).
    let now: @Sendable () -> Date

    public init(channel: ChannelConfig, token: String?, now: @escaping @Sendable () -> Date = Date.init)
        throws(TemplateError)
    {
        self.channel = channel
        self.token = token
        self.template = try MessageTemplate(channel: channel)
        self.now = now
    }

    static let defaultBase: [ChannelKind: String] = [
        .telegram: "https://api.telegram.org", .line: "https://api.line.me", .facebook: "https://graph.facebook.com/v21.0",
    ]

    var base: String { channel.url ?? Self.defaultBase[channel.kind] ?? "" }

    /// The request for `entry`, or the outcome when no request is needed (an unsupported retraction).
    public func request(for entry: OutboxEntry) -> PreparedDelivery {
        let message = template.render(entry.item, action: entry.action)
        let key = entry.publication.idempotencyKey
        let json = ["Content-Type: application/json; charset=utf-8", "Accept: application/json"]
        let bearer = token.map { ["Authorization: Bearer \($0)"] } ?? []
        func make(_ method: String, _ url: String, _ headers: [String], _ body: Data?) -> PreparedDelivery {
            .send(HTTPRequest(
                method: method, url: url, headers: headers, body: body, allowPrivate: channel.allowPrivate,
                timeout: channel.timeout))
        }
        let retract = entry.action == .retract
        let update = entry.action == .update
        if update, entry.publishedRemoteIDs.isEmpty, channel.kind != .webhook {
            return .decided(.unsupported("no \(channel.kind.rawValue) message id was recorded (delivery never confirmed); nothing to edit"))
        }
        let editID = entry.publishedRemoteIDs.last ?? ""
        switch channel.kind {
        case .mastodon:
            if update {
                return make("PUT", "\(base)/api/v1/statuses/\(Self.pathEscape(editID))", json + bearer, Self.json(["status": message, "language": "zh"]))
            }
            if retract {
                guard let id = entry.publishedRemoteIDs.last else {
                    return .decided(.unsupported("no Mastodon status id was recorded (delivery never confirmed); nothing to delete"))
                }
                return make("DELETE", "\(base)/api/v1/statuses/\(Self.pathEscape(id))", bearer, nil)
            }
            let body = Self.json(["status": message, "visibility": channel.visibility, "language": "zh"])
            return make("POST", "\(base)/api/v1/statuses", json + bearer + ["Idempotency-Key: \(key)"], body)
        case .telegram:
            let api = "\(base)/bot\(token ?? "")"
            if retract {
                guard let id = entry.publishedRemoteIDs.last, let messageID = Int(id) else {
                    return .decided(.unsupported("no Telegram message id was recorded (delivery never confirmed); nothing to delete"))
                }
                return make("POST", "\(api)/deleteMessage", json, Self.json(["chat_id": chatID, "message_id": messageID]))
            }
            if update, let messageID = Int(editID) {
                return make("POST", "\(api)/editMessageText", json, Self.json(["chat_id": chatID, "message_id": messageID, "text": message]))
            }
            return make("POST", "\(api)/sendMessage", json, Self.json(["chat_id": chatID, "text": message]))
        case .line:
            if retract { return .decided(.unsupported("not supported by channel: LINE cannot unsend a broadcast or push message")) }
            if update { return .decided(.unsupported("not supported by channel: LINE cannot edit a sent message")) }
            let messages: [[String: Any]] = [["type": "text", "text": message]]
            let headers = json + bearer + ["X-Line-Retry-Key: \(key)"]
            if let to = channel.to {
                return make("POST", "\(base)/v2/bot/message/push", headers, Self.json(["to": to, "messages": messages]))
            }
            return make("POST", "\(base)/v2/bot/message/broadcast", headers, Self.json(["messages": messages]))
        case .facebook:
            if retract {
                guard let id = entry.publishedRemoteIDs.last else {
                    return .decided(.unsupported("no Facebook post id was recorded (delivery never confirmed); nothing to delete"))
                }
                return make("DELETE", "\(base)/\(Self.pathEscape(id))", bearer, nil)
            }
            if update {
                // POST /{post-id} with a new message edits a Page post.
                return make(
                    "POST", "\(base)/\(Self.pathEscape(editID))", ["Content-Type: application/x-www-form-urlencoded"] + bearer,
                    Data("message=\(Self.formEscape(message))".utf8))
            }
            var form = [("message", message)]
            if let url = entry.item.url, url.hasPrefix("http") { form.append(("link", url)) }
            let body = form.map { "\($0.0)=\(Self.formEscape($0.1))" }.joined(separator: "&")
            return make(
                "POST", "\(base)/\(Self.pathEscape(channel.pageID ?? ""))/feed",
                ["Content-Type: application/x-www-form-urlencoded"] + bearer, Data(body.utf8))
        case .discord:
            if retract {
                guard let id = entry.publishedRemoteIDs.last else {
                    return .decided(.unsupported("no Discord message id was recorded (delivery never confirmed); nothing to delete"))
                }
                // DELETE /webhooks/{id}/{token}/messages/{message.id}: a webhook may delete what it posted.
                let hook = base.split(separator: "?", maxSplits: 1).first.map(String.init) ?? base
                return make("DELETE", "\(hook)/messages/\(Self.pathEscape(id))", [], nil)
            }
            if update {
                let hook = base.split(separator: "?", maxSplits: 1).first.map(String.init) ?? base
                return make("PATCH", "\(hook)/messages/\(Self.pathEscape(editID))", json, Self.json(["content": message, "allowed_mentions": ["parse": [String]()]]))
            }
            let url = base + (base.contains("?") ? "&" : "?") + "wait=true"
            return make("POST", url, json, Self.json(["content": message, "allowed_mentions": ["parse": [String]()]]))
        case .slack:
            if retract { return .decided(.unsupported("not supported by channel: slack (incoming webhooks cannot delete)")) }
            if update { return .decided(.unsupported("not supported by channel: slack (incoming webhooks cannot edit)")) }
            return make("POST", base, json, Self.json(["text": message, "unfurl_links": true]))
        case .webhook:
            let event: String
            switch entry.action {
            case .lead: event = "lead"
            case .publish: event = "published"
            case .retract: event = "retracted"
            case .update: event = "updated"
            }
            let sent = now()
            let payload = WebhookPayload(
                event: event, delivery: key, channel: channel.name, sentAt: TaipeiTime.rfc3339(sent),
                item: EOCLead(item: entry.item, message: message))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let body = (try? encoder.encode(payload)) ?? Data()
            let timestamp = String(Int(sent.timeIntervalSince1970))
            let signature = Self.signature(secret: token ?? "", timestamp: timestamp, body: body)
            return make(
                "POST", base,
                json + [
                    "X-Sieve-Event: \(event)", "X-Sieve-Timestamp: \(timestamp)", "X-Sieve-Signature: sha256=\(signature)",
                    "X-Sieve-Idempotency-Key: \(key)",
                ], body)
        case .atom, .jsonfeed, .geojson, .kml, .cap:
            return .decided(.rejected(error: "\(channel.kind.rawValue) is a file channel, not an API"))
        }
    }

    var chatID: Any {
        guard let id = channel.chatID else { return "" }
        return Int64(id) ?? id as Any
    }

    /// HMAC-SHA256(secret, "timestamp.body") as lower-case hex.
    public static func signature(secret: String, timestamp: String, body: Data) -> String {
        var message = Data(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether this kind's URL is itself the credential (Slack and Discord webhooks, a signed webhook's endpoint).
    public static func urlIsSecret(_ kind: ChannelKind) -> Bool { kind == .slack || kind == .discord || kind == .webhook }

    /// `text` with this channel's secrets replaced: the token, and where the URL is the credential, the URL (shown
    /// as scheme and host only), its path and its query. Every error this channel produces passes through here
    /// before it can reach the outbox's `lastError`, `sieve publish`, `sieve outbox list`, the logs or the web app.
    public func redact(_ text: String) -> String {
        var out = text.redacting(token)
        guard Self.urlIsSecret(channel.kind), let url = channel.url, !url.isEmpty else { return out }
        let parts = URLComponents(string: url)
        let shown = parts.flatMap { p in p.scheme.flatMap { s in p.host.map { "\(s)://\($0)" + (p.port.map { ":\($0)" } ?? "") } } } ?? ""
        let path = parts?.percentEncodedPath ?? ""
        let query = parts?.percentEncodedQuery
        var secrets = [url, url.hasSuffix("/") ? String(url.dropLast()) : url + "/"]
        if path.count > 1 { secrets += [path + (query.map { "?" + $0 } ?? ""), path] }
        if let query, !query.isEmpty { secrets.append(query) }
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            let replacement = secret.hasPrefix("http") ? shown + "/[REDACTED]" : "[REDACTED]"
            out = out.replacingOccurrences(of: secret, with: replacement)
        }
        return out
    }

    /// Reads the channel's answer (its error texts redacted, see `redact`).
    public func interpret(_ response: FetchResponse, for entry: OutboxEntry) -> DeliveryOutcome {
        switch interpretRaw(response, for: entry) {
        case .retry(let error, let after, let throttled): return .retry(error: redact(error), after: after, throttled: throttled)
        case .rejected(let error): return .rejected(error: redact(error))
        case .unsupported(let reason): return .unsupported(redact(reason))
        case .delivered(let id): return .delivered(remoteID: id)
        }
    }

    func interpretRaw(_ response: FetchResponse, for entry: OutboxEntry) -> DeliveryOutcome {
        let status = response.status ?? 0
        let body = response.body
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let excerpt = String(decoding: body.prefix(300), as: UTF8.self).redacting(token)
        let what = "\(channel.kind.rawValue) \(channel.name)"
        let headerHint = response.headers["retry-after"].flatMap { parseRetryAfter($0) }

        switch channel.kind {
        case .telegram:
            // Bot API: {"ok":true,"result":{…}} or {"ok":false,"error_code":N,"description":"…","parameters":{"retry_after":S}}
            if let ok = object?["ok"] as? Bool, ok {
                let result = object?["result"] as? [String: Any]
                let id = (result?["message_id"] as? Int).map(String.init)
                return .delivered(remoteID: entry.action == .retract || entry.action == .update ? nil : id)
            }
            let description = object?["description"] as? String ?? excerpt
            let code = object?["error_code"] as? Int ?? status
            if code == 429 {
                let hint = (object?["parameters"] as? [String: Any])?["retry_after"] as? Double
                    ?? ((object?["parameters"] as? [String: Any])?["retry_after"] as? Int).map(Double.init)
                return .retry(error: "\(what): HTTP 429 \(description)", after: hint ?? headerHint, throttled: true)
            }
            if entry.action == .retract, code == 400, description.contains("message to delete not found") {
                return .delivered(remoteID: nil)  // already gone
            }
            if entry.action == .retract, code == 400, description.contains("can't be deleted") {
                return .unsupported("Telegram refuses: \(description) (bots can delete only messages under 48 hours old)")
            }
            if code >= 500 || status >= 500 { return .retry(error: "\(what): HTTP \(status) \(description)", after: headerHint, throttled: false) }
            return .rejected(error: "\(what): HTTP \(status) \(description)")
        case .facebook:
            if (200..<300).contains(status) { return .delivered(remoteID: entry.action == .publish ? object?["id"] as? String : nil) }
            let error = object?["error"] as? [String: Any]
            let code = error?["code"] as? Int ?? 0
            let message = "\(what): HTTP \(status) \(error?["message"] as? String ?? excerpt) (code \(code))"
            // Graph API throttling codes: 4 app, 17 user, 32 page, 613 custom; 1/2 temporary.
            if [4, 17, 32, 613].contains(code) || status == 429 {
                return .retry(error: message, after: headerHint, throttled: true)
            }
            if [1, 2].contains(code) || status >= 500 { return .retry(error: message, after: headerHint, throttled: false) }
            return .rejected(error: message)
        default:
            break
        }

        if (200..<300).contains(status) {
            switch channel.kind {
            case .mastodon, .discord, .webhook:
                if entry.action == .retract || entry.action == .update { return .delivered(remoteID: nil) }
                let id = object?["id"].map { "\($0)" }
                return .delivered(remoteID: id)
            case .line:
                return .delivered(remoteID: response.headers["x-line-request-id"])
            case .slack:
                return .delivered(remoteID: nil)
            default:
                return .delivered(remoteID: nil)
            }
        }
        if channel.kind == .line, status == 409, response.headers["x-line-accepted-request-id"] != nil {
            // The retry key was already accepted: the first attempt got through.
            return .delivered(remoteID: response.headers["x-line-accepted-request-id"])
        }
        if channel.kind == .mastodon || channel.kind == .discord, entry.action == .retract, status == 404 {
            return .delivered(remoteID: nil)  // already deleted
        }
        let reason = (object?["error"] as? String) ?? (object?["message"] as? String) ?? excerpt
        let message = "\(what): HTTP \(status) \(reason)".trimmingCharacters(in: .whitespaces)
        if status == 429 {
            var hint = headerHint
            if channel.kind == .discord {
                // {"message":"You are being rate limited.","retry_after":0.5,"global":false}
                hint = (object?["retry_after"] as? Double) ?? (object?["retry_after"] as? Int).map(Double.init) ?? hint
            }
            if channel.kind == .mastodon, hint == nil, let reset = response.headers["x-ratelimit-reset"],
                let date = ISO8601DateFormatter.lenient(reset)
            {
                hint = max(0, date.timeIntervalSinceNow)
            }
            return .retry(error: message, after: hint, throttled: true)
        }
        if status >= 500 || status == 408 { return .retry(error: message, after: headerHint, throttled: false) }
        return .rejected(error: message)
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    static func pathEscape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? s
    }

    static func formEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

extension ISO8601DateFormatter {
    /// Parses "2026-09-14T14:10:00.000Z" or without fractional seconds.
    static func lenient(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }
}
