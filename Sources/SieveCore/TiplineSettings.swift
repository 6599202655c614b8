import Foundation
import TOMLKit

/// `[tipline]`: people forward a message they received to Sieve's LINE account or Telegram bot and get an answer
/// from what Sieve knows (known rumours, approved and retracted items, official records). The webhooks are
/// `POST /tipline/line` and `POST /tipline/telegram` on `sieve serve`; configure LINE, Telegram or both.
///
/// ```toml
/// [tipline]
/// line_channel_secret_env = "SIEVE_LINE_CHANNEL_SECRET"   # or line_channel_secret_file: checks X-Line-Signature
/// line_access_token_env = "SIEVE_LINE_ACCESS_TOKEN"       # or line_access_token_file: answers with the reply API
/// telegram_secret_token_env = "SIEVE_TELEGRAM_SECRET"    # or _file: the secret_token given to setWebhook
/// telegram_bot_token_env = "SIEVE_TELEGRAM_BOT_TOKEN"     # or _file: answers with sendMessage
/// salt_env = "SIEVE_TIPLINE_SALT"                         # or salt_file: senders are stored only as salted hashes
/// public_url = "https://sieve.example.gov.tw/public"     # the link an answer ends with
/// language = "zh-TW"                                     # zh-TW, en, vi, id, th, fil
/// retention_days = 90                                    # tips older than this are deleted
/// ```
public struct TiplineSettings: Sendable, Equatable {
    public var lineChannelSecretEnv: String?
    public var lineChannelSecretFile: String?
    public var lineAccessTokenEnv: String?
    public var lineAccessTokenFile: String?
    public var telegramSecretTokenEnv: String?
    public var telegramSecretTokenFile: String?
    public var telegramBotTokenEnv: String?
    public var telegramBotTokenFile: String?
    public var saltEnv: String?
    public var saltFile: String?
    /// The Bot API's base URL (a fake on loopback in tests, with `allow_private`).
    public var telegramAPI: String = "https://api.telegram.org"
    /// The Messaging API's base URL (a fake on loopback in tests, with `allow_private`).
    public var lineAPI: String = "https://api.line.me"
    /// Where LINE serves what people sent (pictures: `GET /v2/bot/message/{id}/content`).
    public var lineDataAPI: String = "https://api-data.line.me"
    /// Largest picture a tipline downloads and reads (bytes); a larger one is answered with what works instead.
    public var maxPictureBytes: Int = 10 << 20
    /// The public page an answer links to.
    public var publicURL: String?
    /// The language answers are written in.
    public var language: Language = .zhHant
    /// Days a tip is kept; older ones are deleted by `sieve tips prune` (and the scheduler's maintenance).
    public var retentionDays: Int = 90
    /// Largest webhook body accepted (bytes); larger ones get 413 unread.
    public var maxBodyBytes: Int = 1 << 20
    /// The API may be on a private or loopback address (tests). Off: the SSRF guard applies.
    public var allowPrivate: Bool = false
    /// How long after a LINE webhook its reply token is still used (LINE keeps one about a minute); an answer
    /// ready later is pushed to the person instead. Not a config key (tests shorten it).
    public var lineReplyWindow: TimeInterval = 50
    /// The web form (`/tip`) for people without LINE or Telegram; questions per minute from one address.
    public var webForm: Bool = false
    public var webFormPerMinute: Int = 5
    /// The config file these settings came from (for error messages).
    public var configFile: String = "sieve.toml"

    public init() {}

    /// The channel secret that signs LINE's webhook calls; read at use, so a rotated secret needs no restart.
    public func lineChannelSecret(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
        try secret(env: lineChannelSecretEnv, file: lineChannelSecretFile, key: "tipline.line_channel_secret", environment: environment)
    }

    /// The channel access token the reply API needs.
    public func lineAccessToken(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
        try secret(env: lineAccessTokenEnv, file: lineAccessTokenFile, key: "tipline.line_access_token", environment: environment)
    }

    /// Whether LINE's webhook is configured.
    public var hasLine: Bool { lineChannelSecretEnv != nil || lineChannelSecretFile != nil }
    /// Whether Telegram's webhook is configured.
    public var hasTelegram: Bool { telegramSecretTokenEnv != nil || telegramSecretTokenFile != nil }

    /// The `secret_token` Telegram sends in `X-Telegram-Bot-Api-Secret-Token` (set with `setWebhook`).
    public func telegramSecretToken(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
        try secret(env: telegramSecretTokenEnv, file: telegramSecretTokenFile, key: "tipline.telegram_secret_token", environment: environment)
    }

    /// The bot's token, for `sendMessage`.
    public func telegramBotToken(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
        try secret(env: telegramBotTokenEnv, file: telegramBotTokenFile, key: "tipline.telegram_bot_token", environment: environment)
    }

    /// The salt of the senders' hashes (without it a sender id could be recovered by hashing candidates).
    public func salt(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> String {
        try secret(env: saltEnv, file: saltFile, key: "tipline.salt", environment: environment)
    }

    func secret(env: String?, file: String?, key: String, environment: [String: String]) throws(ConfigError) -> String {
        if let name = env {
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigError(file: configFile, key: key + "_env", message: "environment variable \(name) is not set or empty")
            }
            return value
        }
        if let path = file {
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else {
                throw ConfigError(file: path, key: key + "_file", message: "cannot read it (missing, unreadable or empty)")
            }
            return text
        }
        throw ConfigError(file: configFile, key: key + "_env", message: "missing: give \(key)_env or \(key)_file")
    }
}

extension TableReader {
    func readTipline(_ root: TOMLTable, baseDir: URL) throws(ConfigError) -> TiplineSettings? {
        guard let value = root["tipline"] else { return nil }
        let ctx = "tipline"
        guard let t = value.table else { throw error("", "tipline", "tipline", "expected a table [tipline]") }
        for key in ["line_channel_secret", "line_access_token", "telegram_secret_token", "telegram_bot_token", "salt"] where t[key] != nil {
            throw error(ctx, key, "tipline.\(key)", "secrets are never written in the config; use \(key)_env or \(key)_file")
        }
        try checkKeys(
            t,
            allowed: [
                "line_channel_secret_env", "line_channel_secret_file", "line_access_token_env", "line_access_token_file",
                "telegram_secret_token_env", "telegram_secret_token_file", "telegram_bot_token_env", "telegram_bot_token_file",
                "salt_env", "salt_file", "line_api", "line_data_api", "telegram_api", "public_url", "language", "retention_days", "max_body_bytes",
                "allow_private", "web_form", "web_form_per_minute", "max_picture_bytes",
            ], context: ctx, display: ctx)
        var s = TiplineSettings()
        s.configFile = file
        func pair(_ key: String, required: Bool) throws(ConfigError) -> (String?, String?) {
            let env = try string(t, key + "_env", context: ctx, display: ctx)
            var path = try string(t, key + "_file", context: ctx, display: ctx)
            if let p = path, !p.hasPrefix("/") { path = baseDir.appendingPathComponent(p).path }
            if env != nil, path != nil { throw error(ctx, key + "_file", "tipline.\(key)_file", "give \(key)_env or \(key)_file, not both") }
            if required, env == nil, path == nil {
                throw error(ctx, nil, "tipline.\(key)_env", "missing (required): \(key)_env or \(key)_file")
            }
            return (env, path)
        }
        // LINE and Telegram are each optional, but each needs both its secrets, and one of them must be there.
        let lineWanted = ["line_channel_secret", "line_access_token"].contains { t[$0 + "_env"] != nil || t[$0 + "_file"] != nil }
        let telegramWanted = ["telegram_secret_token", "telegram_bot_token"].contains { t[$0 + "_env"] != nil || t[$0 + "_file"] != nil }
        s.webForm = try bool(t, "web_form", context: ctx, display: ctx) ?? false
        guard lineWanted || telegramWanted || s.webForm else {
            throw error(ctx, nil, "tipline", "no platform: give line_channel_secret_env and line_access_token_env (LINE), telegram_secret_token_env and telegram_bot_token_env (Telegram), web_form = true, or several (or their _file forms)")
        }
        s.webFormPerMinute = try wholeNumber(t, "web_form_per_minute", in: 1...600, context: ctx, display: ctx) ?? s.webFormPerMinute
        (s.lineChannelSecretEnv, s.lineChannelSecretFile) = try pair("line_channel_secret", required: lineWanted)
        (s.lineAccessTokenEnv, s.lineAccessTokenFile) = try pair("line_access_token", required: lineWanted)
        (s.telegramSecretTokenEnv, s.telegramSecretTokenFile) = try pair("telegram_secret_token", required: telegramWanted)
        (s.telegramBotTokenEnv, s.telegramBotTokenFile) = try pair("telegram_bot_token", required: telegramWanted)
        (s.saltEnv, s.saltFile) = try pair("salt", required: true)
        s.allowPrivate = try bool(t, "allow_private", context: ctx, display: ctx) ?? false
        func api(_ key: String) throws(ConfigError) -> String? {
            guard let api = try string(t, key, context: ctx, display: ctx) else { return nil }
            guard let u = URLComponents(string: api), let scheme = u.scheme?.lowercased(), scheme == "https" || scheme == "http",
                u.host?.isEmpty == false
            else { throw error(ctx, key, "tipline.\(key)", "expected an http(s) URL, found \"\(api)\"") }
            guard scheme == "https" || s.allowPrivate else {
                throw error(ctx, key, "tipline.\(key)", "must be https (plain http only with allow_private = true, for a test API)")
            }
            return api.hasSuffix("/") ? String(api.dropLast()) : api
        }
        if let a = try api("line_api") { s.lineAPI = a }
        if let a = try api("line_data_api") { s.lineDataAPI = a }
        if let a = try api("telegram_api") { s.telegramAPI = a }
        if let u = try string(t, "public_url", context: ctx, display: ctx) {
            guard u.lowercased().hasPrefix("https://") || u.lowercased().hasPrefix("http://") else {
                throw error(ctx, "public_url", "tipline.public_url", "expected an http(s) URL, found \"\(u)\"")
            }
            s.publicURL = u
        }
        if let l = try string(t, "language", context: ctx, display: ctx) {
            guard let language = Language(rawValue: l) else {
                throw error(ctx, "language", "tipline.language", "unknown language \"\(l)\" (known: \(Language.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            s.language = language
        }
        s.retentionDays = try wholeNumber(t, "retention_days", in: 1...3650, context: ctx, display: ctx) ?? s.retentionDays
        s.maxBodyBytes = try wholeNumber(t, "max_body_bytes", in: 1024...(64 << 20), context: ctx, display: ctx) ?? s.maxBodyBytes
        s.maxPictureBytes = try wholeNumber(t, "max_picture_bytes", in: 1024...(20 << 20), context: ctx, display: ctx) ?? s.maxPictureBytes
        return s
    }
}
