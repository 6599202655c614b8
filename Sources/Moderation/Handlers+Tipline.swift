import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Net
import SieveCore
import Store

/// What a tipline answers a forwarded message with: the verdict (rumour, contradicted, corroborated, retracted,
/// unverified), the lines the person gets, and what the message is about (the best match's key, so different
/// wordings of one known rumour count together; nil when nothing matched).
public struct TiplineAnswer: Sendable, Equatable {
    public var verdict: String
    public var lines: [String]
    public var matchKey: String?

    public init(verdict: String, lines: [String], matchKey: String?) {
        self.verdict = verdict
        self.lines = lines
        self.matchKey = matchKey
    }
}

/// Checks a forwarded text against what Sieve knows, in a language (`sieve serve` builds it from the tipline
/// checker: known rumours, approved and retracted items, official records).
public typealias TiplineAnswering = @Sendable (_ text: String, _ language: Language, _ now: Date) async throws -> TiplineAnswer

/// What the tipline needs from the Store: tips recorded once per platform event, with how many people asked about
/// the same claim, and deletion on request. `AppDatabase` conforms on both backends.
public protocol TiplineRepository: Sendable {
    func recordTip(_ tip: NewTip, now: Date) async throws(StoreError) -> TipRecorded
    func deleteTips(senderHash: String) async throws(StoreError) -> Int
}

extension AppDatabase: TiplineRepository {}

/// The LINE Messaging API webhook (`POST /tipline/line`).
enum LineWebhook {
    /// Whether `signature` (the `X-Line-Signature` header: base64 of HMAC-SHA256 over the raw body, keyed with the
    /// channel secret) signs `body`. The comparison takes the same time wherever the bytes differ.
    static func isSigned(_ body: Data, signature: String?, secret: String) -> Bool {
        guard let signature, let mac = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// The signature LINE would send for `body` (tests and the fake platform use it).
    static func signature(_ body: Data, secret: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))).base64EncodedString()
    }

    /// One message event of a webhook call.
    struct MessageEvent: Equatable {
        var eventID: String
        var replyToken: String
        var userID: String
        /// "text", "image", …
        var kind: String
        var text: String?
    }

    struct Malformed: Error { var message: String }

    /// The message events of a webhook body (other events — follow, unfollow, postback — are ignored). A body that
    /// is not LINE's JSON is `Malformed`, naming what is wrong.
    static func messageEvents(_ body: Data) throws(Malformed) -> [MessageEvent] {
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw Malformed(message: "the body is not a JSON object")
        }
        guard let events = root["events"] as? [[String: Any]] else { throw Malformed(message: "no \"events\" array") }
        var out: [MessageEvent] = []
        for (i, e) in events.enumerated() where e["type"] as? String == "message" {
            guard let message = e["message"] as? [String: Any], let kind = message["type"] as? String else {
                throw Malformed(message: "events[\(i)]: a message event without \"message.type\"")
            }
            guard let token = e["replyToken"] as? String, !token.isEmpty else {
                throw Malformed(message: "events[\(i)]: a message event without \"replyToken\"")
            }
            let source = e["source"] as? [String: Any]
            guard let user = source?["userId"] as? String, !user.isEmpty else {
                throw Malformed(message: "events[\(i)]: a message event without \"source.userId\"")
            }
            // webhookEventId identifies the event across redeliveries; older payloads lack it, then the message id does.
            guard let id = (e["webhookEventId"] as? String) ?? (message["id"] as? String), !id.isEmpty else {
                throw Malformed(message: "events[\(i)]: neither \"webhookEventId\" nor \"message.id\"")
            }
            out.append(MessageEvent(eventID: id, replyToken: token, userID: user, kind: kind, text: message["text"] as? String))
        }
        return out
    }

    /// What a text is about when nothing known matched it: its letters and digits, case-folded, width-folded, the
    /// first 200 — so the same forwarded message counts together whatever its spacing, punctuation or emoji.
    static func claimKey(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        var key = ""
        for scalar in folded.unicodeScalars where CharacterSet.alphanumerics.contains(scalar) {
            key.unicodeScalars.append(scalar)
            if key.unicodeScalars.count >= 200 { break }
        }
        return "text:" + key
    }

    /// A sender's stored identity: SHA-256 of the salt and the platform's id, so the id itself is never kept.
    static func senderHash(_ userID: String, salt: String, channel: String) -> String {
        SHA256.hash(data: Data("\(salt)\u{0}\(channel)\u{0}\(userID)".utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// "Delete my data", as a person would write it.
    static func isDeletionRequest(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return ["刪除我的資料", "删除我的资料", "delete my data", "xóa dữ liệu của tôi", "hapus data saya", "ลบข้อมูลของฉัน", "burahin ang aking data"]
            .contains(t)
    }
}

extension ModerationApp {
    /// `POST /tipline/line`: LINE's webhook. The signature is checked over the raw body before anything is read
    /// (401 without a valid one); each message event is recorded once (a redelivered or replayed event gets no
    /// second answer), answered with the reply API in the tipline's language, and counted with everyone else who
    /// asked about the same claim. 404 when `[tipline]` is not configured.
    @Sendable func lineWebhook(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let settings = live.current.tipline, let answering = tiplineAnswering else {
            throw WebError(status: .notFound, message: "no tipline is configured ([tipline] in the config)")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            throw WebError(status: .contentTooLarge, message: "webhook body of \(length) bytes; the limit is \(settings.maxBodyBytes) (tipline.max_body_bytes)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: settings.maxBodyBytes)
        } catch {
            throw WebError(status: .contentTooLarge, message: "webhook body over \(settings.maxBodyBytes) bytes (tipline.max_body_bytes)")
        }
        let body = Data(buffer: buffer)
        let secret: String
        let salt: String
        let token: String
        do {
            secret = try settings.lineChannelSecret()
            salt = try settings.salt()
            token = try settings.lineAccessToken()
        } catch {
            context.logger.error("tipline: \(error)")
            throw WebError(status: .serviceUnavailable, message: "the tipline's secrets cannot be read; see the server log")
        }
        guard LineWebhook.isSigned(body, signature: request.headers[HTTPField.Name("X-Line-Signature")!], secret: secret) else {
            throw WebError(status: .unauthorized, message: "missing or wrong X-Line-Signature")
        }
        let events: [LineWebhook.MessageEvent]
        do {
            events = try LineWebhook.messageEvents(body)
        } catch {
            throw WebError(status: .badRequest, message: "not a LINE webhook body: \(error.message)")
        }
        let language = settings.language
        for event in events {
            let sender = LineWebhook.senderHash(event.userID, salt: salt, channel: "line")
            var lines: [String]
            guard event.kind == "text", let text = event.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                // Pictures, stickers, files: nothing is recorded; the person is told what works.
                lines = [Messages.text("tip.picture", language)]
                await lineReply(settings, token: token, replyToken: event.replyToken, lines: lines, context: context)
                continue
            }
            if LineWebhook.isDeletionRequest(text) {
                let deleted = try await database.deleteTips(senderHash: sender)
                await lineReply(settings, token: token, replyToken: event.replyToken,
                                lines: [Messages.text("tip.deleted", language, ["count": "\(deleted)"])], context: context)
                continue
            }
            let now = Date()
            let answer = try await answering(text, language, now)
            let recorded = try await database.recordTip(
                NewTip(
                    eventID: "line:" + event.eventID, channel: "line", senderHash: sender, text: String(text.prefix(5000)),
                    claimKey: answer.matchKey ?? LineWebhook.claimKey(text), verdict: answer.verdict),
                now: now)
            guard case .new(_, let askedBy) = recorded else {
                context.logger.info("tipline: LINE event \(event.eventID) seen before; not answered twice")
                continue
            }
            lines = answer.lines
            if askedBy > 1 { lines.append(Messages.text("tip.demand", language, ["count": "\(askedBy)"])) }
            await lineReply(settings, token: token, replyToken: event.replyToken, lines: lines, context: context)
        }
        return Reply.bytes("{}", contentType: "application/json")
    }

    /// Answers through LINE's reply API (one text message, at most LINE's 5,000 characters). A 429 is retried once
    /// after its Retry-After (at most 2 s: a reply token lives about a minute); other failures are logged — the
    /// tip is recorded either way, and LINE must not redeliver the event for a failed reply.
    func lineReply(_ settings: TiplineSettings, token: String, replyToken: String, lines: [String], context: WebContext) async {
        let text = String(lines.joined(separator: "\n").prefix(5000))
        guard
            let body = try? JSONSerialization.data(
                withJSONObject: ["replyToken": replyToken, "messages": [["type": "text", "text": text]]], options: [.withoutEscapingSlashes])
        else { return }
        let request = Net.HTTPRequest(
            method: "POST", url: settings.lineAPI + "/v2/bot/message/reply",
            headers: ["Content-Type: application/json", "Authorization: Bearer \(token)"], body: body,
            allowPrivate: settings.allowPrivate, timeout: 10)
        for attempt in 1...2 {
            do {
                let response = try await tiplineClient.send(request)
                let status = response.status ?? 0
                if (200..<300).contains(status) { return }
                if status == 429, attempt == 1 {
                    let wait = min(2, response.headers["retry-after"].flatMap { parseRetryAfter($0) } ?? 1)
                    try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                    continue
                }
                let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
                context.logger.warning("tipline: LINE reply API answered \(status): \(detail)")
                return
            } catch {
                context.logger.warning("tipline: LINE reply API \(settings.lineAPI): \(error)")
                return
            }
        }
    }
}
