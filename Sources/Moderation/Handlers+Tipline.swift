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
    /// What was read in the picture (OCR), when one was sent: recorded and queued with the tip.
    public var pictureText: String?
    /// What the picture is, when nothing matched it ("image:" and its 64-bit hash): the same picture forwarded by
    /// others counts together.
    public var pictureKey: String?

    public init(verdict: String, lines: [String], matchKey: String?, pictureText: String? = nil, pictureKey: String? = nil) {
        self.verdict = verdict
        self.lines = lines
        self.matchKey = matchKey
        self.pictureText = pictureText
        self.pictureKey = pictureKey
    }

    /// The verdict for a picture that cannot be decoded: answered with what works, nothing recorded.
    public static let unreadable = "unreadable"
}

/// What a person forwarded: words, a picture (its encoded bytes, as the platform sent them), or both.
public struct TipMessage: Sendable, Equatable {
    public var text: String?
    public var picture: Data?

    public init(text: String?, picture: Data? = nil) {
        self.text = text
        self.picture = picture
    }
}

/// Checks a forwarded message against what Sieve knows, in a language (`sieve serve` builds it from the tipline
/// checker: known rumours and their pictures, approved and retracted items, official records; a picture is read
/// with OCR and hashed).
public typealias TiplineAnswering = @Sendable (_ message: TipMessage, _ language: Language, _ now: Date) async throws -> TiplineAnswer

/// What the tipline needs from the Store: tips recorded once per platform event, with how many people asked about
/// the same claim, and deletion on request. `AppDatabase` conforms on both backends.
public protocol TiplineRepository: Sendable {
    func recordTip(_ tip: NewTip, now: Date) async throws(StoreError) -> TipRecorded
    func deleteTips(senderHash: String) async throws(StoreError) -> Int
    func queueTipClaim(claimKey: String, text: String, askedBy: Int, now: Date) async throws(StoreError) -> (postID: Int64, new: Bool)
    func subscribeFollowUp(senderHash: String, channel: String, sealedTarget: String, now: Date) async throws(StoreError) -> Int64?
    func dueFollowUps(limit: Int) async throws(StoreError) -> [TipFollowUp]
    func finishFollowUp(_ id: Int64, sent: Bool, now: Date) async throws(StoreError)
    func followUpFailed(_ id: Int64) async throws(StoreError)
}

extension AppDatabase: TiplineRepository {}

/// What both platforms' webhooks share: reading a body that is not the platform's JSON, what a tip is about, who
/// sent it (as a salted hash only), and a person's request to delete what they sent.
enum TiplineMessage {
    struct Malformed: Error { var message: String }

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
        Secrets.sha256("\(salt)\u{0}\(channel)\u{0}\(userID)")
    }

    /// "Notify me", as a person would write it: hear back once their last question is decided.
    static func isFollowUpRequest(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "。.!！"))
        return ["通知我", "notify me", "thông báo cho tôi", "beri tahu saya", "แจ้งฉัน", "abisuhan ako"].contains(t)
    }

    /// The platform address of someone who asked to hear back, sealed with AES-GCM under a key derived from the
    /// tipline's salt (base64): a copy of the database alone does not give it away.
    static func seal(_ target: String, salt: String) -> String? {
        guard let box = try? AES.GCM.seal(Data(target.utf8), using: followUpKey(salt)), let combined = box.combined else { return nil }
        return combined.base64EncodedString()
    }

    static func open(_ sealed: String, salt: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: followUpKey(salt))
        else { return nil }
        return String(data: plain, encoding: .utf8)
    }

    static func followUpKey(_ salt: String) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: Data("sieve tipline follow-up\u{0}\(salt)".utf8)))
    }

    /// "Delete my data", as a person would write it.
    static func isDeletionRequest(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return ["刪除我的資料", "删除我的资料", "delete my data", "xóa dữ liệu của tôi", "hapus data saya", "ลบข้อมูลของฉัน", "burahin ang aking data"]
            .contains(t)
    }
}

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
        /// The message's id (a picture's content is fetched by it).
        var messageID: String? = nil
        /// A picture LINE does not hold itself (`contentProvider.type` "external"): where it is.
        var externalPictureURL: String? = nil
    }

    /// The message events of a webhook body (other events — follow, unfollow, postback — are ignored). A body that
    /// is not LINE's JSON is `Malformed`, naming what is wrong.
    static func messageEvents(_ body: Data) throws(TiplineMessage.Malformed) -> [MessageEvent] {
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw TiplineMessage.Malformed(message: "the body is not a JSON object")
        }
        guard let events = root["events"] as? [[String: Any]] else { throw TiplineMessage.Malformed(message: "no \"events\" array") }
        var out: [MessageEvent] = []
        for (i, e) in events.enumerated() where e["type"] as? String == "message" {
            guard let message = e["message"] as? [String: Any], let kind = message["type"] as? String else {
                throw TiplineMessage.Malformed(message: "events[\(i)]: a message event without \"message.type\"")
            }
            guard let token = e["replyToken"] as? String, !token.isEmpty else {
                throw TiplineMessage.Malformed(message: "events[\(i)]: a message event without \"replyToken\"")
            }
            let source = e["source"] as? [String: Any]
            guard let user = source?["userId"] as? String, !user.isEmpty else {
                throw TiplineMessage.Malformed(message: "events[\(i)]: a message event without \"source.userId\"")
            }
            // webhookEventId identifies the event across redeliveries; older payloads lack it, then the message id does.
            guard let id = (e["webhookEventId"] as? String) ?? (message["id"] as? String), !id.isEmpty else {
                throw TiplineMessage.Malformed(message: "events[\(i)]: neither \"webhookEventId\" nor \"message.id\"")
            }
            let provider = message["contentProvider"] as? [String: Any]
            let external = provider?["type"] as? String == "external" ? provider?["originalContentUrl"] as? String : nil
            out.append(
                MessageEvent(
                    eventID: id, replyToken: token, userID: user, kind: kind, text: message["text"] as? String, messageID: message["id"] as? String,
                    externalPictureURL: external))
        }
        return out
    }


}

/// The Telegram Bot API webhook (`POST /tipline/telegram`).
enum TelegramWebhook {
    /// Whether the header carries the configured secret (compared in time independent of where they differ).
    static func sameSecret(_ header: String?, _ secret: String) -> Bool {
        guard let header else { return false }
        let a = Array(header.utf8), b = Array(secret.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// The parts of a message update the tipline uses.
    struct Update: Equatable {
        var updateID: Int64
        var messageID: Int64
        var chatID: Int64
        var userID: Int64
        /// The text, or a picture's caption; nil for a picture without one, a sticker, …
        var text: String?
        /// The picture's `file_id`: the largest size Telegram offers within `maxPictureBytes` (or a document whose
        /// MIME type is an image — screenshots sent as files); nil when there is none.
        var pictureFileID: String? = nil
    }

    /// A Telegram update: nil when it is not a message (an edit, a channel post, a member change); `Malformed`
    /// naming what is wrong when it is not Telegram's JSON.
    static func update(_ body: Data, maxPictureBytes: Int = 10 << 20) throws(TiplineMessage.Malformed) -> Update? {
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw TiplineMessage.Malformed(message: "the body is not a JSON object")
        }
        guard let updateID = (root["update_id"] as? NSNumber)?.int64Value else { throw TiplineMessage.Malformed(message: "no \"update_id\"") }
        guard let message = root["message"] as? [String: Any] else { return nil }
        guard let messageID = (message["message_id"] as? NSNumber)?.int64Value,
            let chatID = ((message["chat"] as? [String: Any])?["id"] as? NSNumber)?.int64Value
        else { throw TiplineMessage.Malformed(message: "message without \"message_id\" or \"chat.id\"") }
        guard let userID = ((message["from"] as? [String: Any])?["id"] as? NSNumber)?.int64Value else { return nil }  // no person behind it
        let text = (message["text"] as? String) ?? (message["caption"] as? String)
        return Update(
            updateID: updateID, messageID: messageID, chatID: chatID, userID: userID, text: text,
            pictureFileID: pictureFileID(message, maxBytes: maxPictureBytes))
    }

    /// `message.photo` is the same picture in several sizes, smallest first: the largest that fits the limit (a
    /// size without `file_size` is taken as fitting; the download checks again).
    static func pictureFileID(_ message: [String: Any], maxBytes: Int) -> String? {
        if let sizes = message["photo"] as? [[String: Any]] {
            let fitting = sizes.filter { (($0["file_size"] as? NSNumber)?.intValue ?? 0) <= maxBytes }
            let best = fitting.max { a, b in
                let pa = ((a["width"] as? NSNumber)?.intValue ?? 0) * ((a["height"] as? NSNumber)?.intValue ?? 0)
                let pb = ((b["width"] as? NSNumber)?.intValue ?? 0) * ((b["height"] as? NSNumber)?.intValue ?? 0)
                return pa < pb
            }
            return best?["file_id"] as? String
        }
        if let document = message["document"] as? [String: Any], (document["mime_type"] as? String)?.hasPrefix("image/") == true,
            ((document["file_size"] as? NSNumber)?.intValue ?? 0) <= maxBytes
        {
            return document["file_id"] as? String
        }
        return nil
    }
}

extension ModerationApp {
    /// `POST /tipline/line`: LINE's webhook. The signature is checked over the raw body before anything is read
    /// (401 without a valid one); each message event is recorded once (a redelivered or replayed event gets no
    /// second answer), answered with the reply API in the tipline's language, and counted with everyone else who
    /// asked about the same claim. 404 when `[tipline]` is not configured.
    @Sendable func lineWebhook(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let settings = live.current.tipline, settings.hasLine, tiplineAnswering != nil else {
            throw WebError(status: .notFound, message: "no LINE tipline is configured ([tipline] line_channel_secret_env … in the config)")
        }
        let body = try await webhookBody(request, settings)
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
        // LINE is told 200 at once; the call's events are answered after, in their order (a tip, then 「通知我」 or
        // 「刪除我的資料」 about it), through the reply API (`TiplineWork`).
        let received = Date()
        let work = events.map { event in (event, linePicture(event, settings: settings, token: token)) }
        tiplineWork.submit(context.logger, "line events \(events.map(\.eventID).joined(separator: ", "))") { [self] in
            for (event, picture) in work {
                do {
                    let lines = try await tipAnswer(
                        channel: "line", eventID: event.eventID, userID: event.userID, replyTarget: event.userID,
                        text: event.kind == "text" ? event.text : nil, picture: picture, settings: settings, salt: salt, context: context)
                    guard let lines else { continue }
                    // The reply token is good for about a minute; an answer ready later (a flood of pictures) is pushed.
                    if Date().timeIntervalSince(received) < settings.lineReplyWindow,
                        await lineReply(settings, token: token, replyToken: event.replyToken, lines: lines, context: context) != .expiredToken
                    {
                        continue
                    }
                    await linePush(settings, token: token, to: event.userID, eventID: event.eventID, lines: lines, context: context)
                } catch {
                    context.logger.error("tipline: line event \(event.eventID): \(error)")
                }
            }
        }
        return Reply.bytes("{}", contentType: "application/json")
    }

    /// A webhook's raw body, refused with 413 over `tipline.max_body_bytes` (by its Content-Length before reading).
    func webhookBody(_ request: Request, _ settings: TiplineSettings) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            throw WebError(status: .contentTooLarge, message: "webhook body of \(length) bytes; the limit is \(settings.maxBodyBytes) (tipline.max_body_bytes)")
        }
        do {
            return Data(buffer: try await request.body.collect(upTo: settings.maxBodyBytes))
        } catch {
            throw WebError(status: .contentTooLarge, message: "webhook body over \(settings.maxBodyBytes) bytes (tipline.max_body_bytes)")
        }
    }

    /// The lines to answer one forwarded message with, or nil when this platform event was handled before (a
    /// redelivery or a replay: no second answer). A text, a picture (downloaded by `picture`, then read with OCR and
    /// hashed by the answering closure) or both are checked and recorded with the sender's salted hash and counted
    /// with everyone who asked about the same claim; a deletion request deletes the sender's tips; anything else (a
    /// sticker, a video) or a picture that cannot be fetched or read is told what works and nothing is recorded.
    func tipAnswer(
        channel: String, eventID: String, userID: String, replyTarget: String, text: String?, picture: PictureFetch? = nil,
        settings: TiplineSettings, salt: String, context: WebContext
    ) async throws -> [String]? {
        let language = settings.language
        let words = text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        guard let answering = tiplineAnswering, words != nil || picture != nil else {
            return [Messages.text("tip.picture", language)]
        }
        let sender = TiplineMessage.senderHash(userID, salt: salt, channel: channel)
        if let words, picture == nil {
            if TiplineMessage.isDeletionRequest(words) {
                let deleted = try await database.deleteTips(senderHash: sender)
                return [Messages.text("tip.deleted", language, ["count": "\(deleted)"])]
            }
            if TiplineMessage.isFollowUpRequest(words) {
                guard let sealed = TiplineMessage.seal(replyTarget, salt: salt) else { return [Messages.text("tip.followup.none", language)] }
                let post = try await database.subscribeFollowUp(senderHash: sender, channel: channel, sealedTarget: sealed, now: Date())
                return [Messages.text(post == nil ? "tip.followup.none" : "tip.followup.ok", language)]
            }
        }
        var bytes: Data?
        if let picture {
            do {
                bytes = try await picture.fetch()
            } catch {
                context.logger.warning("tipline: \(channel) event \(eventID): the picture could not be fetched: \(error.message)")
                // A caption alone is still worth checking; without one, say what works.
                if words == nil { return [Messages.text("tip.picture.unreadable", language)] }
            }
        }
        let now = Date()
        let answer = try await answering(TipMessage(text: words, picture: bytes), language, now)
        if answer.verdict == TiplineAnswer.unreadable { return answer.lines }
        guard let askedBy = try await recordAnswered(answer, words: words, channel: channel, eventID: eventID, sender: sender, now: now) else {
            context.logger.info("tipline: \(channel) event \(eventID) seen before; not answered twice")
            return nil
        }
        var lines = answer.lines
        if askedBy > 1 { lines.append(Messages.text("tip.demand", language, ["count": "\(askedBy)"])) }
        if answer.verdict == "unverified" { lines.append(Messages.text("tip.followup.offer", language)) }
        return lines
    }

    /// Records an answered tip with the sender's hash — what was asked as moderators will read it (the words, and
    /// 〔圖片文字〕 what the picture says), counted by claim (the match, else the picture, else the words folded) — and
    /// queues it when nothing answered it. Returns how many people have asked, or nil when this platform event was
    /// recorded before.
    func recordAnswered(_ answer: TiplineAnswer, words: String?, channel: String, eventID: String, sender: String, now: Date) async throws -> Int? {
        let asked = [words, answer.pictureText.map { Messages.text("tip.picture.text", .zhHant) + $0 }].compactMap { $0 }.joined(separator: "\n")
        let claimKey = answer.matchKey ?? answer.pictureKey ?? TiplineMessage.claimKey(asked)
        let recorded = try await database.recordTip(
            NewTip(
                eventID: channel + ":" + eventID, channel: channel, senderHash: sender, text: String(asked.prefix(5000)), claimKey: claimKey,
                verdict: answer.verdict),
            now: now)
        guard case .new(_, let askedBy) = recorded else { return nil }
        try await queueUnanswered(answer, claimKey: claimKey, text: asked, askedBy: askedBy, now: now)
        return askedBy
    }

    /// Nothing known answered it: the claim goes to the moderators' queue (once per claim; later askers raise its
    /// count), as the unverified answer promised.
    func queueUnanswered(_ answer: TiplineAnswer, claimKey: String, text: String, askedBy: Int, now: Date) async throws {
        guard answer.verdict == "unverified", !text.isEmpty else { return }
        let (_, new) = try await database.queueTipClaim(claimKey: claimKey, text: text, askedBy: askedBy, now: now)
        if new { queueChanged() }
    }

    /// `POST /tipline/telegram`: the Telegram bot's webhook. Telegram sends the `secret_token` given to
    /// `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`; without it (compared in constant time) the call gets 401.
    /// Each update is handled once (`update_id`), answered with `sendMessage` as a reply to the person's message.
    @Sendable func telegramWebhook(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let settings = live.current.tipline, settings.hasTelegram, tiplineAnswering != nil else {
            throw WebError(status: .notFound, message: "no Telegram tipline is configured ([tipline] telegram_secret_token_env … in the config)")
        }
        let secret: String
        let salt: String
        let token: String
        do {
            secret = try settings.telegramSecretToken()
            salt = try settings.salt()
            token = try settings.telegramBotToken()
        } catch {
            context.logger.error("tipline: \(error)")
            throw WebError(status: .serviceUnavailable, message: "the tipline's secrets cannot be read; see the server log")
        }
        guard TelegramWebhook.sameSecret(request.headers[HTTPField.Name("X-Telegram-Bot-Api-Secret-Token")!], secret) else {
            throw WebError(status: .unauthorized, message: "missing or wrong X-Telegram-Bot-Api-Secret-Token")
        }
        let body = try await webhookBody(request, settings)
        let update: TelegramWebhook.Update?
        do {
            update = try TelegramWebhook.update(body, maxPictureBytes: settings.maxPictureBytes)
        } catch {
            throw WebError(status: .badRequest, message: "not a Telegram update: \(error.message)")
        }
        guard let update else { return Reply.bytes("{}", contentType: "application/json") }  // not a message: nothing to answer
        let picture = update.pictureFileID.map { telegramPicture(fileID: $0, settings: settings, token: token) }
        // Telegram is told 200 at once; the answer follows through sendMessage (`TiplineWork`).
        tiplineWork.submit(context.logger, "telegram update \(update.updateID)") { [self] in
            let lines = try await tipAnswer(
                channel: "telegram", eventID: "\(update.updateID)", userID: "\(update.userID)", replyTarget: "\(update.chatID)", text: update.text,
                picture: picture, settings: settings, salt: salt, context: context)
            if let lines {
                await telegramReply(settings, token: token, chatID: update.chatID, replyTo: update.messageID, lines: lines, context: context)
            }
        }
        return Reply.bytes("{}", contentType: "application/json")
    }

    /// Answers with the Bot API's `sendMessage` (at most Telegram's 4,096 characters) as a reply to the person's
    /// message (429's `parameters.retry_after` and failures as `sendAnswer` says).
    func telegramReply(_ settings: TiplineSettings, token: String, chatID: Int64, replyTo: Int64, lines: [String], context: WebContext) async {
        let text = String(lines.joined(separator: "\n").prefix(4096))
        guard
            let body = try? JSONSerialization.data(
                withJSONObject: ["chat_id": chatID, "text": text, "reply_to_message_id": replyTo], options: [.withoutEscapingSlashes])
        else { return }
        let request = Net.HTTPRequest(
            method: "POST", url: "\(settings.telegramAPI)/bot\(token)/sendMessage", headers: ["Content-Type: application/json"],
            body: body, allowPrivate: settings.allowPrivate, timeout: 10)
        // The bot token is part of the URL: only the API's base is ever named.
        await sendAnswer(request, platform: "Telegram sendMessage at \(settings.telegramAPI)", context: context) { response in
            let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
            return (json?["parameters"] as? [String: Any])?["retry_after"] as? Double
        }
    }

    /// Answers through LINE's reply API (one text message, at most LINE's 5,000 characters; 429 and failures as
    /// `sendAnswer` says — LINE must not redeliver the event for a failed reply).
    @discardableResult
    func lineReply(_ settings: TiplineSettings, token: String, replyToken: String, lines: [String], context: WebContext) async -> AnswerOutcome {
        let text = String(lines.joined(separator: "\n").prefix(5000))
        guard
            let body = try? JSONSerialization.data(
                withJSONObject: ["replyToken": replyToken, "messages": [["type": "text", "text": text]]], options: [.withoutEscapingSlashes])
        else { return .failed }
        let request = Net.HTTPRequest(
            method: "POST", url: settings.lineAPI + "/v2/bot/message/reply",
            headers: ["Content-Type: application/json", "Authorization: Bearer \(token)"], body: body,
            allowPrivate: settings.allowPrivate, timeout: 10)
        return await sendAnswer(request, platform: "LINE reply API at \(settings.lineAPI)", context: context) { response in
            response.headers["retry-after"].flatMap { parseRetryAfter($0) }
        }
    }

    /// The answer pushed to the person (`/v2/bot/message/push`) when its reply token is out of date. The retry key
    /// comes from the event's id, so LINE delivers it once however often it is sent.
    func linePush(_ settings: TiplineSettings, token: String, to user: String, eventID: String, lines: [String], context: WebContext) async {
        guard let request = LinePush.request(settings, token: token, to: user, text: lines.joined(separator: "\n"), once: "line event \(eventID)")
        else { return }
        context.logger.info("tipline: line event \(eventID): the reply token is out of date; the answer is pushed")
        await sendAnswer(request, platform: "LINE push API at \(settings.lineAPI)", context: context) { response in
            response.headers["retry-after"].flatMap { parseRetryAfter($0) }
        }
    }

    /// How sending an answer went.
    enum AnswerOutcome: Equatable {
        case sent
        /// LINE refused the reply token (used, or too old: "Invalid reply token").
        case expiredToken
        case failed
    }

    /// Sends an answer to a platform's API. A 429 is retried once, after the wait the platform asks for (`retryAfter`,
    /// default 1 s, at most 2 s: the person is waiting and LINE's reply token lives about a minute); any other
    /// failure is logged (the tip is recorded either way). `platform` names the API, never a secret.
    @discardableResult
    func sendAnswer(
        _ request: Net.HTTPRequest, platform: String, context: WebContext, retryAfter: (FetchResponse) -> Double?
    ) async -> AnswerOutcome {
        for attempt in 1...2 {
            do {
                let response = try await tiplineClient.send(request)
                let status = response.status ?? 0
                if (200..<300).contains(status) || (status == 409 && request.headers.contains { $0.hasPrefix("X-Line-Retry-Key:") }) {
                    return .sent  // 409 to a retry key LINE has seen: delivered before
                }
                if status == 429, attempt == 1 {
                    try? await Task.sleep(for: .milliseconds(Int(min(2, retryAfter(response) ?? 1) * 1000)))
                    continue
                }
                let said = String(decoding: response.body.prefix(300), as: UTF8.self)
                if status == 400, said.contains("Invalid reply token") { return .expiredToken }
                context.logger.warning("tipline: \(platform) answered \(status): \(said)")
                return .failed
            } catch {
                // Not `error` itself: a transport error may quote the URL, and Telegram's carries the bot token.
                context.logger.warning("tipline: \(platform) could not be reached")
                return .failed
            }
        }
        return .failed
    }
}
