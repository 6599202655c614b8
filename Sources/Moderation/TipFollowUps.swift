import Foundation
import Logging
import Net
import ServiceLifecycle
import SieveCore
import Store

/// One follow-up per person who asked to hear back ("通知我"), once a moderator has decided their claim: LINE's push
/// API or Telegram's `sendMessage`, in the tipline's language. The platform address is opened from its sealed copy
/// just for the call and erased from the Store when the follow-up is sent — or after five failed attempts.
public struct TipFollowUpService: Service {
    let database: any TiplineRepository
    let live: LiveConfig
    let interval: Duration
    let logger: Logger
    let client = Net.HTTPClient()

    public init(database: any TiplineRepository, live: LiveConfig, interval: Duration = .seconds(10), logger: Logger) {
        self.database = database
        self.live = live
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            _ = await sendDue()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Sends what is due now; how many were sent.
    @discardableResult
    public func sendDue(now: Date = Date()) async -> Int {
        guard let settings = live.current.tipline, let salt = try? settings.salt() else { return 0 }
        let due: [TipFollowUp]
        do {
            due = try await database.dueFollowUps(limit: 50)
        } catch {
            logger.error("tipline follow-ups: \(error)")
            return 0
        }
        var sent = 0
        for f in due {
            guard let target = TiplineMessage.open(f.sealedTarget, salt: salt) else {
                // Sealed under another salt (it was changed): nobody can be reached; erase it.
                logger.warning("tipline follow-up \(f.id): its address cannot be opened with the present salt; dropped")
                try? await database.finishFollowUp(f.id, sent: false, now: now)
                continue
            }
            let key = f.decision == "approved" || f.decision == "escalated" ? "tip.followup.approved" : "tip.followup.rejected"
            let text = Messages.text(key, settings.language, ["text": String(f.text.prefix(200))])
            let ok: Bool
            switch f.channel {
            case "line": ok = await pushLINE(settings, to: target, text: text, id: f.id)
            case "telegram": ok = await sendTelegram(settings, chat: target, text: text, id: f.id)
            default: ok = false
            }
            if ok {
                sent += 1
                try? await database.finishFollowUp(f.id, sent: true, now: now)
            } else if f.attempts + 1 >= 5 {
                logger.warning("tipline follow-up \(f.id): five attempts failed; given up, address erased")
                try? await database.finishFollowUp(f.id, sent: false, now: now)
            } else {
                try? await database.followUpFailed(f.id)
            }
        }
        return sent
    }

    func pushLINE(_ settings: TiplineSettings, to user: String, text: String, id: Int64) async -> Bool {
        guard let token = try? settings.lineAccessToken(),
            let request = LinePush.request(settings, token: token, to: user, text: text, once: "follow-up \(id)")
        else { return false }
        return await send(request, platform: "LINE push API at \(settings.lineAPI)", acceptConflict: true)
    }

    func sendTelegram(_ settings: TiplineSettings, chat: String, text: String, id: Int64) async -> Bool {
        let chatID: Any = Int64(chat).map { $0 as Any } ?? chat
        guard let token = try? settings.telegramBotToken(),
            let body = try? JSONSerialization.data(withJSONObject: ["chat_id": chatID, "text": String(text.prefix(4096))])
        else { return false }
        let request = Net.HTTPRequest(
            method: "POST", url: "\(settings.telegramAPI)/bot\(token)/sendMessage", headers: ["Content-Type: application/json"], body: body,
            allowPrivate: settings.allowPrivate, timeout: 10)
        return await send(request, platform: "Telegram sendMessage at \(settings.telegramAPI)", acceptConflict: false)
    }

    /// 2xx is done (and LINE's 409 for a retry key it has seen: delivered before); anything else is tried again next
    /// round. `platform` names the API, never a token.
    func send(_ request: Net.HTTPRequest, platform: String, acceptConflict: Bool) async -> Bool {
        do {
            let response = try await client.send(request)
            let status = response.status ?? 0
            if (200..<300).contains(status) || (acceptConflict && status == 409) { return true }
            logger.warning("tipline follow-up: \(platform) answered \(status); trying again later")
        } catch {
            logger.warning("tipline follow-up: \(platform) could not be reached; trying again later")
        }
        return false
    }
}

/// LINE's push API (`/v2/bot/message/push`): a text message to one person, with an `X-Line-Retry-Key` derived from
/// `once` so that the same message sent again (a retry after a timeout) is delivered once — LINE answers 409 to the
/// repeat. Used for follow-ups and for tipline answers whose reply token ran out.
enum LinePush {
    static func request(_ settings: TiplineSettings, token: String, to user: String, text: String, once: String) -> Net.HTTPRequest? {
        guard
            let body = try? JSONSerialization.data(
                withJSONObject: ["to": user, "messages": [["type": "text", "text": String(text.prefix(5000))]]], options: [.withoutEscapingSlashes])
        else { return nil }
        return Net.HTTPRequest(
            method: "POST", url: settings.lineAPI + "/v2/bot/message/push",
            headers: ["Content-Type: application/json", "Authorization: Bearer \(token)", "X-Line-Retry-Key: \(retryKey(once))"], body: body,
            allowPrivate: settings.allowPrivate, timeout: 10)
    }

    /// A UUID (the key's required form) made from SHA-256 of `seed`.
    static func retryKey(_ seed: String) -> String {
        let hex = Secrets.sha256(seed)
        return "\(hex.prefix(8))-\(hex.dropFirst(8).prefix(4))-4\(hex.dropFirst(13).prefix(3))-8\(hex.dropFirst(17).prefix(3))-\(hex.dropFirst(20).prefix(12))"
    }
}
