import ArgumentParser
import Crawler
import Foundation
import Net
import SieveCore

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one adapter over a file or URL and print the posts it extracts as JSON lines.",
        discussion: """
            For writing and debugging rules. Each line has id, url, title, author, published (RFC 3339), text, and
            replies/extra when the adapter gives them. Links the adapter would follow are printed to stderr.
            Adapters: \((["feed", "html", "article"] + Adapters.all).joined(separator: ", ")). `html` and `article` need
            --rules FILE: a TOML file with a [rules] table (item, text, title, link, author, published, id, follow,
            next) and/or an [article] table, as in a source's [source.rules] and [source.article].
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "feed, html, article, ptt, mastodon, telegram, dcard, jsonfeed or sitemap.")
    var adapter: String

    @Argument(help: "A file path, file: URL or http(s) URL.")
    var input: String

    @Option(name: .long, help: "XPath rules for html/article.")
    var rules: String?

    @Flag(name: .long, help: "Allow fetching from private/loopback addresses.")
    var allowPrivate = false

    @Option(name: .long, help: "Cookie header to send (e.g. over18=1 for PTT).")
    var cookie: String?

    func validate() throws {
        let known = ["feed", "html", "article"] + Adapters.all
        guard known.contains(adapter) else {
            throw ValidationError("unknown adapter \"\(adapter)\"; use one of: \(known.joined(separator: ", "))")
        }
        if (adapter == "html" || adapter == "article") && rules == nil {
            throw ValidationError("--adapter \(adapter) needs --rules FILE (XPath rules)")
        }
    }

    func run() async throws {
        try await runCLI {
            let chosen: any SourceAdapter
            switch adapter {
            case "feed": chosen = FeedAdapter()
            case "html", "article":
                let r = try loadRules(rules!)
                if adapter == "article" {
                    guard let fields = r.article ?? r.fields else {
                        throw CLIError.config("\(rules!): --adapter article needs an [article] table")
                    }
                    chosen = HTMLArticleAdapter(fields: fields)
                } else {
                    chosen = HTMLListAdapter(rules: r)
                }
            default: chosen = Adapters.named(adapter)!
            }
            let (body, url, headers) = try await load()
            let decoded = Charset.decode(body, headerCharset: Charset.fromContentType(headers["content-type"]))
            if let note = decoded.note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            let result = try extract(chosen, decoded.utf8, url: url, headers: headers)
            var out = ""
            for post in result.posts { out += ExtractJSON.line(post) + "\n" }
            FileHandle.standardOutput.write(Data(out.utf8))
            for link in result.follow {
                FileHandle.standardError.write(Data("follow \(link.role.rawValue) \(link.url)\n".utf8))
            }
            for w in result.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        }
    }

    func loadRules(_ path: String) throws -> HTMLRules {
        do {
            return try HTMLRules.load(path: path)
        } catch {
            throw CLIError.config(error.description)
        }
    }

    func extract(_ adapter: any SourceAdapter, _ body: Data, url: String, headers: [String: String]) throws -> AdapterResult {
        do {
            return try adapter.extract(body, url: url, headers: headers)
        } catch {
            throw CLIError.failure(error.description)
        }
    }

    func fetch(_ url: String) async throws -> FetchResponse {
        // The config's [crawler] settings (user agent, timeouts, body limit, proxy) when there is one.
        let settings = try global.loadConfig(required: false).crawler
        do {
            if global.verbose { FileHandle.standardError.write(Data("fetching \(url)\n".utf8)) }
            return try await HTTPClient(settings: settings).fetch(url, options: FetchOptions(cookie: cookie, proxy: settings.proxy, allowPrivate: allowPrivate))
        } catch {
            throw CLIError.failure(error.description)
        }
    }

    func load() async throws -> (Data, String, [String: String]) {
        let lower = input.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file:") {
            let r = try await fetch(input)
            return (r.body, r.finalURL, r.headers)
        }
        guard let data = FileManager.default.contents(atPath: input) else {
            throw CLIError.failure("\(input): cannot read file")
        }
        return (data, URL(fileURLWithPath: input).absoluteString, [:])
    }
}

enum ExtractJSON {
    static func line(_ p: ExtractedPost) -> String {
        var o: [String: Any] = [
            "id": p.externalID, "url": p.url ?? NSNull(), "title": p.title ?? NSNull(), "author": p.author ?? NSNull(),
            "published": p.published.map(TaipeiTime.rfc3339) ?? NSNull(), "text": p.text,
        ]
        if let l = p.language { o["language"] = l }
        if !p.extra.isEmpty { o["extra"] = p.extra }
        if !p.replies.isEmpty {
            o["replies"] = p.replies.map { r -> [String: Any] in
                var d: [String: Any] = ["kind": r.kind, "text": r.text, "author": r.author ?? NSNull()]
                d["published"] = r.published.map(TaipeiTime.rfc3339) ?? NSNull()
                if let raw = r.rawTime { d["raw_time"] = raw }
                return d
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
