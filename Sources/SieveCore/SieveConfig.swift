import Foundation
import TOMLKit

/// The whole `sieve.toml`.
public struct SieveConfig: Sendable, Equatable {
    /// Where the config was read from (nil when running on defaults).
    public var file: String?
    /// SQLite file path (relative paths are resolved against the working directory).
    public var database: String
    public var crawler: CrawlerSettings
    public var sources: [SourceConfig]
    public var channels: [ChannelConfig]
    /// `[server]`: the moderation web app.
    public var server: ServerSettings = ServerSettings()
    /// `[publish]` and `[backup]` schedules for `sieve schedule` (nil: not scheduled); see SieveConfig+Operations.swift.
    public var publish: PublishSettings? = nil
    public var backup: BackupSettings? = nil
    /// `[scheduler] zone`: the time zone of cron expressions without a `TZ=` prefix.
    public var scheduleZone: TimeZone = TaipeiTime.zone
    /// `[oidc]`: single sign-on for the web app (nil: local accounts only).
    public var oidc: OIDCSettings? = nil
    /// `[tipline]`: the LINE tipline's webhook (nil: no tipline).
    public var tipline: TiplineSettings? = nil

    public static let defaultDatabase = "sieve.sqlite"

    public init(
        file: String? = nil, database: String = SieveConfig.defaultDatabase, crawler: CrawlerSettings = .init(),
        sources: [SourceConfig] = [], channels: [ChannelConfig] = []
    ) {
        self.file = file
        self.database = database
        self.crawler = crawler
        self.sources = sources
        self.channels = channels
    }

    /// Loads `path`. When the file is missing and `required` is false, returns the defaults.
    public static func load(path: String, required: Bool) throws(ConfigError) -> SieveConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw ConfigError(
                    file: path,
                    message: "config file not found (create one with `sieve init`, or pass --config FILE)")
            }
            return SieveConfig()
        }
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigError(file: path, message: "not valid UTF-8")
            }
            text = decoded
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: path, message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Parses TOML text; `file` is used in error messages and to resolve relative `file:` URLs.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> SieveConfig {
        let table: TOMLTable
        try TOMLPrecheck.check(text, file: file)
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, line: error.source.begin.line, message: "TOML syntax: \(error.description)")
        } catch {
            throw ConfigError(file: file, message: "TOML syntax: \(error)")
        }
        var reader = TableReader(file: file, locator: TOMLLocator(text: text))
        reader.zone = try reader.readScheduler(table)
        let baseDir = URL(fileURLWithPath: file).deletingLastPathComponent().standardizedFileURL
        return try reader.readRoot(table, baseDir: baseDir)
    }
}

extension HTMLRules {
    /// Reads a rules file for `sieve extract --rules`: a `[rules]` table (item, fields, follow, next) and an
    /// optional `[article]` table, with the same keys as a source's `[source.rules]` and `[source.article]`.
    public static func load(path: String) throws(ConfigError) -> HTMLRules {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "cannot read rules file")
        }
        let table: TOMLTable
        try TOMLPrecheck.check(text, file: path)
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, line: error.source.begin.line, message: "TOML syntax: \(error.description)")
        } catch {
            throw ConfigError(file: path, message: "TOML syntax: \(error)")
        }
        let reader = TableReader(file: path, locator: TOMLLocator(text: text))
        try reader.checkKeys(table, allowed: ["rules", "article"], context: "", display: "")
        var rules = HTMLRules()
        if let t = table["rules"]?.table { rules = try reader.readRules(t, context: "rules", display: "rules") }
        if let t = table["article"]?.table {
            rules.article = try reader.readFields(t, context: "article", display: "article", allowItem: false)
        }
        guard (rules.item != nil && rules.fields != nil) || rules.follow != nil || rules.article != nil else {
            throw ConfigError(file: path, message: "needs [rules] with `item` and `text`, or `follow`, or an [article] table")
        }
        return rules
    }
}

/// Walks the parsed TOML, checking keys and types and remembering where each came from.
struct TableReader {
    let file: String
    let locator: TOMLLocator
    /// Default zone of cron expressions (`[scheduler] zone`).
    var zone: TimeZone = TaipeiTime.zone

    func error(_ context: String, _ key: String?, _ display: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: locator.line(context: context, key: key), key: display, message: message)
    }

    func checkKeys(_ table: TOMLTable, allowed: [String], context: String, display: String) throws(ConfigError) {
        for key in table.keys where !allowed.contains(key) {
            var message = "unknown key"
            if let guess = closest(key, in: allowed) { message += " (did you mean `\(guess)`?)" }
            message += "; allowed here: \(allowed.joined(separator: ", "))"
            throw error(context, key, display.isEmpty ? key : "\(display).\(key)", message)
        }
    }

    func string(_ table: TOMLTable, _ key: String, context: String, display: String, required: Bool = false)
        throws(ConfigError) -> String?
    {
        guard let value = table[key] else {
            if required { throw error(context, nil, "\(display).\(key)", "missing (required)") }
            return nil
        }
        guard let s = value.string else {
            throw error(context, key, "\(display).\(key)", "expected a string, found \(value.type)")
        }
        return s
    }

    func number(_ table: TOMLTable, _ key: String, context: String, display: String) throws(ConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        if let i = value.int { return Double(i) }
        if let d = value.double { return d }
        throw error(context, key, "\(display).\(key)", "expected a number, found \(value.type)")
    }

    func readRoot(_ root: TOMLTable, baseDir: URL) throws(ConfigError) -> SieveConfig {
        try checkKeys(
            root, allowed: ["database", "crawler", "source", "channel", "server", "scheduler", "publish", "backup", "oidc", "tipline"], context: "",
            display: "")
        var config = SieveConfig(file: file)
        try readOperations(root, into: &config, baseDir: baseDir)
        config.oidc = try readOIDC(root, baseDir: baseDir)
        config.tipline = try readTipline(root, baseDir: baseDir)
        if let db = try string(root, "database", context: "", display: "") {
            guard !db.isEmpty else { throw error("", "database", "database", "must not be empty") }
            config.database = db
        }
        if let crawlerValue = root["crawler"] {
            guard let crawler = crawlerValue.table else {
                throw error("", "crawler", "crawler", "expected a table [crawler]")
            }
            config.crawler = try readCrawler(crawler)
        }
        if let serverValue = root["server"] {
            guard let server = serverValue.table else {
                throw error("", "server", "server", "expected a table [server]")
            }
            config.server = try readServer(server, baseDir: baseDir)
        }
        if let sourcesValue = root["source"] {
            guard let array = sourcesValue.array else {
                throw error("", "source", "source", "expected an array of tables [[source]]")
            }
            var names = Set<String>()
            for (i, element) in array.enumerated() {
                let context = "source#\(i + 1)"
                guard let t = element.table else {
                    throw error(context, nil, "source[\(i + 1)]", "expected a table")
                }
                let source = try readSource(t, index: i + 1, baseDir: baseDir)
                if !names.insert(source.name).inserted {
                    throw error(context, "name", "source[\(i + 1)].name", "duplicate source name \"\(source.name)\"")
                }
                config.sources.append(source)
            }
        }
        if let channelsValue = root["channel"] {
            guard let array = channelsValue.array else {
                throw error("", "channel", "channel", "expected an array of tables [[channel]]")
            }
            for (i, element) in array.enumerated() {
                guard let t = element.table else {
                    throw error("channel#\(i + 1)", nil, "channel[\(i + 1)]", "expected a table")
                }
                let channel = try readChannel(t, index: i + 1, baseDir: baseDir)
                if config.channels.contains(where: { $0.name == channel.name }) {
                    throw error("channel#\(i + 1)", "name", "channel[\(i + 1)].name", "duplicate channel name \"\(channel.name)\"")
                }
                config.channels.append(channel)
            }
        }
        return config
    }

    func bool(_ table: TOMLTable, _ key: String, context: String, display: String) throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let b = value.bool else {
            throw error(context, key, "\(display).\(key)", "expected true or false, found \(value.type)")
        }
        return b
    }

    /// A whole number within `range`, or nil when the key is absent; anything else names the key and the range.
    func wholeNumber(_ table: TOMLTable, _ key: String, in range: ClosedRange<Int>, context: String, display: String) throws(ConfigError) -> Int? {
        guard let v = table[key] else { return nil }
        guard let i = v.int, range.contains(i) else {
            throw error(context, key, "\(display).\(key)", "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }

    func positive(_ table: TOMLTable, _ key: String, context: String, display: String, min: Double = 0)
        throws(ConfigError) -> Double?
    {
        guard let v = try number(table, key, context: context, display: display) else { return nil }
        guard v >= min else { throw error(context, key, "\(display).\(key)", "must be ≥ \(min)") }
        return v
    }

    func readCrawler(_ t: TOMLTable) throws(ConfigError) -> CrawlerSettings {
        let ctx = "crawler"
        try checkKeys(
            t,
            allowed: [
                "user_agent", "connect_timeout", "timeout", "max_body_bytes", "max_redirects", "concurrency",
                "per_host_concurrency", "per_host_delay", "max_crawl_delay", "max_attempts", "circuit_breaker_failures",
                "circuit_breaker_seconds", "proxy", "pictures_per_page", "pictures_per_post", "max_picture_bytes",
            ], context: ctx, display: "crawler")
        var s = CrawlerSettings()
        if let ua = try string(t, "user_agent", context: ctx, display: ctx) { s.userAgent = ua }
        if let v = try number(t, "connect_timeout", context: ctx, display: ctx) {
            guard v > 0 else { throw error(ctx, "connect_timeout", "crawler.connect_timeout", "must be > 0 seconds") }
            s.connectTimeout = v
        }
        if let v = try number(t, "timeout", context: ctx, display: ctx) {
            guard v > 0 else { throw error(ctx, "timeout", "crawler.timeout", "must be > 0 seconds") }
            s.totalTimeout = v
        }
        if let v = try positive(t, "max_body_bytes", context: ctx, display: ctx, min: 1024) { s.maxBodyBytes = Int(v) }
        if let v = try positive(t, "max_redirects", context: ctx, display: ctx) { s.maxRedirects = Int(v) }
        if let v = try positive(t, "concurrency", context: ctx, display: ctx, min: 1) { s.concurrency = Int(v) }
        if let v = try positive(t, "per_host_concurrency", context: ctx, display: ctx, min: 1) { s.perHostConcurrency = Int(v) }
        if let v = try positive(t, "per_host_delay", context: ctx, display: ctx) { s.perHostDelay = v }
        if let v = try positive(t, "max_crawl_delay", context: ctx, display: ctx) { s.maxCrawlDelay = v }
        if let v = try positive(t, "max_attempts", context: ctx, display: ctx, min: 1) { s.maxAttempts = Int(v) }
        if let v = try positive(t, "circuit_breaker_failures", context: ctx, display: ctx, min: 1) { s.circuitBreakerFailures = Int(v) }
        if let v = try positive(t, "circuit_breaker_seconds", context: ctx, display: ctx) { s.circuitBreakerSeconds = v }
        s.proxy = try string(t, "proxy", context: ctx, display: ctx)
        s.picturesPerPage = try wholeNumber(t, "pictures_per_page", in: 0...200, context: ctx, display: ctx) ?? s.picturesPerPage
        s.picturesPerPost = try wholeNumber(t, "pictures_per_post", in: 1...10, context: ctx, display: ctx) ?? s.picturesPerPost
        s.maxPictureBytes = try wholeNumber(t, "max_picture_bytes", in: 1024...(20 << 20), context: ctx, display: ctx) ?? s.maxPictureBytes
        return s
    }

    func readServer(_ t: TOMLTable, baseDir: URL) throws(ConfigError) -> ServerSettings {
        let ctx = "server"
        try checkKeys(
            t,
            allowed: [
                "host", "port", "secure_cookies", "session_lifetime", "claim_duration", "page_size",
                "login_max_failures", "login_lockout", "bcrypt_cost", "trusted_proxies", "login_concurrency", "map_boundaries", "map_villages", "map_tiles", "map_tiles_attribution",
            ], context: ctx, display: ctx)
        var s = ServerSettings()
        func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
            guard let value = t[key] else { return nil }
            guard let i = value.int else { throw error(ctx, key, "server.\(key)", "expected a whole number, found \(value.type)") }
            guard range.contains(i) else {
                throw error(ctx, key, "server.\(key)", "must be between \(range.lowerBound) and \(range.upperBound), found \(i)")
            }
            return i
        }
        func duration(_ key: String) throws(ConfigError) -> Int? {
            guard let value = t[key] else { return nil }
            if let i = value.int, i > 0 { return i }
            if let text = value.string, let seconds = parseIntervalSeconds(text) { return seconds }
            throw error(ctx, key, "server.\(key)", "expected seconds or a duration like \"10m\", \"12h\"")
        }
        if let host = try string(t, "host", context: ctx, display: ctx) {
            let allowed = host.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".:-[]".unicodeScalars.contains($0)) }
            guard !host.isEmpty, allowed else {
                throw error(ctx, "host", "server.host", "expected a host name or IP address such as \"127.0.0.1\", found \"\(host)\"")
            }
            s.host = host
        }
        if let v = try integer("port", in: 1...65535) { s.port = v }
        if let v = try bool(t, "secure_cookies", context: ctx, display: ctx) { s.secureCookies = v }
        if let v = try duration("session_lifetime") { s.sessionLifetime = v }
        if let v = try duration("claim_duration") { s.claimDuration = v }
        if let v = try integer("page_size", in: 1...500) { s.pageSize = v }
        if let v = try integer("login_max_failures", in: 1...1000) { s.loginMaxFailures = v }
        if let v = try duration("login_lockout") { s.loginLockout = v }
        if let v = try integer("bcrypt_cost", in: 4...31) { s.bcryptCost = v }
        if let v = try integer("login_concurrency", in: 1...64) { s.loginConcurrency = v }
        if let f = try string(t, "map_boundaries", context: ctx, display: ctx) {
            guard !f.isEmpty else { throw error(ctx, "map_boundaries", "server.map_boundaries", "must not be empty (leave it out for no map shapes)") }
            s.mapBoundaries = f.hasPrefix("/") ? f : baseDir.appendingPathComponent(f).standardizedFileURL.path
        }
        if let f = try string(t, "map_villages", context: ctx, display: ctx) {
            guard !f.isEmpty else { throw error(ctx, "map_villages", "server.map_villages", "must not be empty (leave it out for no village points)") }
            s.mapVillages = f.hasPrefix("/") ? f : baseDir.appendingPathComponent(f).standardizedFileURL.path
        }
        if let tiles = try string(t, "map_tiles", context: ctx, display: ctx) {
            guard let url = URL(string: tiles.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
                ["https", "http"].contains(url.scheme ?? ""), url.host != nil,
                ["{z}", "{x}", "{y}"].allSatisfy({ tiles.contains($0) }), !tiles.contains("\""), !tiles.contains(" ")
            else {
                throw error(ctx, "map_tiles", "server.map_tiles", "expected an http(s) URL template with {z}, {x} and {y}, such as \"https://tile.example.org/{z}/{x}/{y}.png\", found \"\(tiles)\"")
            }
            s.mapTiles = tiles
        }
        if let a = try string(t, "map_tiles_attribution", context: ctx, display: ctx) { s.mapTilesAttribution = a }
        if let value = t["trusted_proxies"] {
            guard let array = value.array else {
                throw error(ctx, "trusted_proxies", "server.trusted_proxies", "expected an array of addresses or CIDR blocks, e.g. [\"127.0.0.1\", \"10.0.0.0/8\"]")
            }
            for element in array {
                guard let text = element.string, let range = IPRange(text) else {
                    throw error(ctx, "trusted_proxies", "server.trusted_proxies", "\(element) is not an IP address or CIDR block")
                }
                s.trustedProxies.append(range)
            }
        }
        return s
    }

    func readSource(_ t: TOMLTable, index: Int, baseDir: URL) throws(ConfigError) -> SourceConfig {
        let ctx = "source#\(index)"
        let display = "source[\(index)]"
        try checkKeys(
            t,
            allowed: [
                "name", "kind", "url", "interval", "schedule", "rules", "article", "allow_private", "cookies", "proxy",
                "max_pages", "max_items", "respect_robots",
            ], context: ctx, display: display)
        let name = try string(t, "name", context: ctx, display: display, required: true)!
        guard !name.isEmpty else { throw error(ctx, "name", "\(display).name", "must not be empty") }
        let kindText = try string(t, "kind", context: ctx, display: display, required: true)!
        guard let kind = SourceKind(rawValue: kindText) else {
            var message = "unknown kind \"\(kindText)\" (expected \(SourceKind.allCases.map(\.rawValue).joined(separator: ", ")))"
            if let guess = closest(kindText, in: SourceKind.allCases.map(\.rawValue)) { message += "; did you mean \"\(guess)\"?" }
            throw error(ctx, "kind", "\(display).kind", message)
        }
        let rawURL = try string(t, "url", context: ctx, display: display, required: true)!
        let url: String
        do throws(URLResolutionError) {
            url = try resolveSourceURL(rawURL, baseDir: baseDir)
        } catch {
            throw self.error(ctx, "url", "\(display).url", error.message)
        }
        var source = SourceConfig(name: name, kind: kind, url: url)
        if let value = t["interval"] {
            if let i = value.int, i > 0 {
                source.interval = i
            } else if let s = value.string, let parsed = parseIntervalSeconds(s) {
                source.interval = parsed
            } else {
                throw error(ctx, "interval", "\(display).interval", "expected seconds or a duration like \"15m\", \"2h\"")
            }
        }
        source.schedule = try readSourceSchedule(t, context: ctx, display: display)
        var rules = HTMLRules()
        var hasRules = false
        if let rulesValue = t["rules"] {
            guard let rt = rulesValue.table else {
                throw error(ctx, "rules", "\(display).rules", "expected a table [source.rules]")
            }
            rules = try readRules(rt, context: "\(ctx).rules", display: "\(display).rules")
            hasRules = true
        }
        if let articleValue = t["article"] {
            guard let at = articleValue.table else {
                throw error(ctx, "article", "\(display).article", "expected a table [source.article]")
            }
            rules.article = try readFields(at, context: "\(ctx).article", display: "\(display).article", allowItem: false)
            hasRules = true
        }
        if hasRules { source.rules = rules }
        if kind == .html {
            guard hasRules, (rules.item != nil && rules.fields != nil) || rules.follow != nil else {
                throw error(ctx, nil, "\(display).rules", "html sources need XPath rules: a [source.rules] table with `item` and `text` (posts on the page) or `follow` (links to article pages)")
            }
        }
        if (kind == .html && rules.follow != nil) || kind == .sitemap, rules.article == nil {
            throw error(ctx, nil, "\(display).article", "followed pages need a [source.article] table with at least `text`")
        }
        if let v = try bool(t, "allow_private", context: ctx, display: display) { source.allowPrivate = v }
        if let v = try bool(t, "respect_robots", context: ctx, display: display) { source.respectRobots = v }
        source.cookies = try string(t, "cookies", context: ctx, display: display)
        source.proxy = try string(t, "proxy", context: ctx, display: display)
        if let v = try positive(t, "max_pages", context: ctx, display: display, min: 1) { source.maxPages = Int(v) }
        if let v = try positive(t, "max_items", context: ctx, display: display, min: 0) { source.maxItems = Int(v) }
        return source
    }

    func readFields(_ t: TOMLTable, context ctx: String, display: String, allowItem: Bool) throws(ConfigError) -> HTMLFields {
        if !allowItem {
            try checkKeys(t, allowed: ["id", "title", "link", "author", "published", "text"], context: ctx, display: display)
        }
        let text = try string(t, "text", context: ctx, display: display, required: true)!
        return HTMLFields(
            id: try string(t, "id", context: ctx, display: display),
            title: try string(t, "title", context: ctx, display: display),
            link: try string(t, "link", context: ctx, display: display),
            author: try string(t, "author", context: ctx, display: display),
            published: try string(t, "published", context: ctx, display: display),
            text: text)
    }

    func readRules(_ t: TOMLTable, context ctx: String, display: String) throws(ConfigError) -> HTMLRules {
        let allowed = ["item", "id", "title", "link", "author", "published", "text", "follow", "next"]
        try checkKeys(t, allowed: allowed, context: ctx, display: display)
        var rules = HTMLRules()
        rules.item = try string(t, "item", context: ctx, display: display)
        rules.follow = try string(t, "follow", context: ctx, display: display)
        rules.next = try string(t, "next", context: ctx, display: display)
        if rules.item != nil {
            guard t["text"] != nil else { throw error(ctx, nil, "\(display).text", "missing (required with `item`)") }
            rules.fields = try readFields(t, context: ctx, display: display, allowItem: true)
        } else if t["text"] != nil {
            throw error(ctx, "text", "\(display).text", "needs `item` (which node is one post)")
        }
        return rules
    }

    func readChannel(_ t: TOMLTable, index: Int, baseDir: URL) throws(ConfigError) -> ChannelConfig {
        let ctx = "channel#\(index)"
        let display = "channel[\(index)]"
        try checkKeys(
            t,
            allowed: [
                "name", "kind", "path", "title", "url", "url_env", "url_file", "token_env", "token_file", "template", "max_length", "chat_id",
                "to", "page_id", "visibility", "events", "rate_per_minute", "max_attempts", "circuit_breaker_failures",
                "circuit_breaker_seconds", "timeout", "allow_private", "hashtags", "exercise",
            ], context: ctx, display: display)
        let name = try string(t, "name", context: ctx, display: display, required: true)!
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "," }) else {
            throw error(ctx, "name", "\(display).name", "must be non-empty, without spaces or commas")
        }
        let kindText = try string(t, "kind", context: ctx, display: display, required: true)!
        guard let kind = ChannelKind(rawValue: kindText) else {
            let all = ChannelKind.allCases.map(\.rawValue)
            var message = "unknown channel kind \"\(kindText)\" (expected \(all.joined(separator: ", ")))"
            if let guess = closest(kindText, in: all) { message += "; did you mean \"\(guess)\"?" }
            throw error(ctx, "kind", "\(display).kind", message)
        }
        var c = ChannelConfig(name: name, kind: kind)
        c.location = locator.line(context: ctx).map { "\(file):\($0)" } ?? file
        if kind.isFile {
            c.path = try string(t, "path", context: ctx, display: display, required: true)!
            guard !c.path.isEmpty else { throw error(ctx, "path", "\(display).path", "must not be empty") }
        } else if t["path"] != nil {
            throw error(ctx, "path", "\(display).path", "only file channels (atom, jsonfeed, geojson, kml, cap) have a path")
        }
        c.title = try string(t, "title", context: ctx, display: display) ?? "Sieve"
        let secretURL = kind == .slack || kind == .discord || kind == .webhook
        if let url = try string(t, "url", context: ctx, display: display) {
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), let u = URL(string: url), u.host != nil else {
                // A webhook URL is a secret: say what is wrong without repeating it.
                throw error(ctx, "url", "\(display).url", secretURL ? "not an http(s) URL" : "not an http(s) URL: \"\(url)\"")
            }
            c.url = url.hasSuffix("/") && kind != .webhook && kind != .discord && kind != .slack ? String(url.dropLast()) : url
        }
        c.urlEnv = try string(t, "url_env", context: ctx, display: display)
        if let f = try string(t, "url_file", context: ctx, display: display) {
            c.urlFile = f.hasPrefix("/") ? f : baseDir.appendingPathComponent(f).standardizedFileURL.path
        }
        if c.urlEnv != nil || c.urlFile != nil {
            guard secretURL else {
                throw error(ctx, c.urlEnv != nil ? "url_env" : "url_file", "\(display).\(c.urlEnv != nil ? "url_env" : "url_file")", "only for slack, discord and webhook channels, whose URL is the secret; give `url` here")
            }
            guard [c.url != nil, c.urlEnv != nil, c.urlFile != nil].filter({ $0 }).count == 1 else {
                throw error(ctx, nil, "\(display).url", "give one of url, url_env and url_file")
            }
        }
        c.tokenEnv = try string(t, "token_env", context: ctx, display: display)
        if let f = try string(t, "token_file", context: ctx, display: display) {
            c.tokenFile = f.hasPrefix("/") ? f : baseDir.appendingPathComponent(f).standardizedFileURL.path
        }
        if let f = try string(t, "template", context: ctx, display: display) {
            let path = f.hasPrefix("/") ? f : baseDir.appendingPathComponent(f).standardizedFileURL.path
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw error(ctx, "template", "\(display).template", "template file \(path) not found or unreadable")
            }
            c.template = path
        }
        if let v = try positive(t, "max_length", context: ctx, display: display, min: 20) { c.maxLength = Int(v) }
        c.chatID = try string(t, "chat_id", context: ctx, display: display)
        c.to = try string(t, "to", context: ctx, display: display)
        c.pageID = try string(t, "page_id", context: ctx, display: display)
        if let v = try string(t, "visibility", context: ctx, display: display) {
            guard ["public", "unlisted", "private", "direct"].contains(v) else {
                throw error(ctx, "visibility", "\(display).visibility", "expected public, unlisted, private or direct")
            }
            c.visibility = v
        }
        if let value = t["events"] {
            guard let array = value.array else {
                throw error(ctx, "events", "\(display).events", "expected an array like [\"approved\", \"escalated\"]")
            }
            var events: [ChannelEvent] = []
            for element in array {
                guard let s = element.string, let e = ChannelEvent(rawValue: s) else {
                    throw error(ctx, "events", "\(display).events", "unknown event \(element) (expected approved, escalated)")
                }
                events.append(e)
            }
            guard !events.isEmpty else { throw error(ctx, "events", "\(display).events", "must not be empty") }
            c.events = events
        }
        if let value = t["hashtags"] {
            guard let array = value.array, array.allSatisfy({ $0.string != nil }) else {
                throw error(ctx, "hashtags", "\(display).hashtags", "expected an array of strings")
            }
            c.hashtags = array.compactMap(\.string).map { $0.hasPrefix("#") ? $0 : "#" + $0 }
        }
        if let v = try number(t, "rate_per_minute", context: ctx, display: display) {
            guard v > 0 else { throw error(ctx, "rate_per_minute", "\(display).rate_per_minute", "must be > 0") }
            c.ratePerMinute = v
        }
        if let v = try positive(t, "max_attempts", context: ctx, display: display, min: 1) { c.maxAttempts = Int(v) }
        if let v = try positive(t, "circuit_breaker_failures", context: ctx, display: display, min: 1) {
            c.circuitBreakerFailures = Int(v)
        }
        if let v = try positive(t, "circuit_breaker_seconds", context: ctx, display: display) { c.circuitBreakerSeconds = v }
        if let v = try number(t, "timeout", context: ctx, display: display) {
            guard v > 0 else { throw error(ctx, "timeout", "\(display).timeout", "must be > 0 seconds") }
            c.timeout = v
        }
        if let v = try bool(t, "allow_private", context: ctx, display: display) { c.allowPrivate = v }
        if let v = try bool(t, "exercise", context: ctx, display: display) { c.exercise = v }
        // What each kind cannot work without.
        func require(_ value: String?, _ key: String, _ why: String) throws(ConfigError) {
            guard let value, !value.isEmpty else { throw error(ctx, nil, "\(display).\(key)", "missing (required: \(why))") }
        }
        let needsToken: Bool
        switch kind {
        case .atom, .jsonfeed, .geojson, .kml, .cap: needsToken = false
        case .mastodon:
            try require(c.url, "url", "the Mastodon instance, e.g. https://mastodon.social")
            needsToken = true
        case .telegram:
            try require(c.chatID, "chat_id", "the chat to post to, e.g. \"@typhoon_tw\"")
            needsToken = true
        case .line: needsToken = true
        case .facebook:
            try require(c.pageID, "page_id", "the Page to post to")
            needsToken = true
        case .discord, .slack:
            try require(c.url ?? c.urlEnv ?? c.urlFile, "url_env", "the webhook URL, best from an environment variable (url_env) or file (url_file): it is the secret")
            needsToken = false
        case .webhook:
            try require(c.url ?? c.urlEnv ?? c.urlFile, "url", "the endpoint URL (url, or url_env / url_file when it carries a secret)")
            needsToken = true
        }
        if needsToken, c.tokenEnv == nil, c.tokenFile == nil {
            let what = kind == .webhook ? "the signing secret" : "the access token"
            throw error(ctx, nil, "\(display).token_env", "missing: name the environment variable (token_env) or file (token_file) holding \(what); tokens are never written in the config")
        }
        return c
    }
}

struct URLResolutionError: Error {
    var message: String
}

/// http(s) URLs pass through; `file:` URLs with a relative path are resolved against `baseDir`.
func resolveSourceURL(_ raw: String, baseDir: URL) throws(URLResolutionError) -> String {
    let lower = raw.lowercased()
    if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
        guard let url = URL(string: raw), url.host != nil else {
            throw URLResolutionError(message: "not a valid URL: \"\(raw)\"")
        }
        return raw
    }
    if lower.hasPrefix("file:") {
        var path = String(raw.dropFirst(5))
        if path.hasPrefix("//") {
            path = String(path.dropFirst(2))
            // file://host/path is not supported; file:///abs is.
            guard path.hasPrefix("/") else {
                throw URLResolutionError(message: "file URLs must be file:///absolute/path or file:relative/path")
            }
        }
        let resolved = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDir.appendingPathComponent(path)
        return resolved.standardizedFileURL.absoluteString
    }
    throw URLResolutionError(message: "unsupported URL \"\(raw)\" (use http://, https:// or file:)")
}

/// The closest candidate by edit distance (adjacent transpositions count as one edit), if it is close enough
/// to be a plausible typo.
func closest(_ word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
    let w = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(w, Array($0))) }.min { $0.1 < $1.1 }
    guard let best = scored, best.1 <= max(1, min(2, w.count / 2)) else { return nil }
    return best.0
}
