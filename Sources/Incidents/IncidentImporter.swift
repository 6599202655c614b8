import Classifier
import Net
import Foundation
import SieveCore

/// The official formats Sieve reads.
public enum IncidentFormat: String, Sendable, CaseIterable {
    /// A CAP 1.2 file, or an (NCDR-style) Atom/RSS feed whose entries link to CAP files.
    case cap
    case cwa
    case emic
    case closures
}

/// Reads official incident files and URLs in any supported format (detected when not given).
public struct IncidentImporter: Sendable {
    public let gazetteer: Gazetteer
    public var geocodes: GeocodeTable
    public var client: HTTPClient?
    /// At most this many CAP files are fetched from one feed.
    public var maxFeedEntries = 500
    /// Options for http(s) fetches (`allowPrivate` lifts the SSRF guard for loopback/private sources).
    public var fetchOptions = FetchOptions()
    /// CAP statuses read as incidents (`CAPParser.statuses`): Actual; an exercise store adds Exercise.
    public var capStatuses: Set<String> = ["Actual"]

    public init(gazetteer: Gazetteer, geocodes: GeocodeTable = GeocodeTable(), client: HTTPClient? = nil) {
        self.gazetteer = gazetteer
        self.geocodes = geocodes
        self.client = client
    }

    /// The format of a document from its first bytes and name.
    public static func detect(_ data: Data, name: String) -> IncidentFormat? {
        var head = String(decoding: data.prefix(4096), as: UTF8.self)
        if head.hasPrefix("\u{FEFF}") { head.removeFirst() }
        let trimmed = head.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = name.lowercased()
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") { return .cwa }
        if trimmed.hasPrefix("<") {
            if head.contains("urn:oasis:names:tc:emergency:cap") || head.contains("<alert") { return .cap }
            if head.contains("<feed") || head.contains("<rss") { return .cap }
            if head.range(of: "<html", options: .caseInsensitive) != nil || head.range(of: "<table", options: .caseInsensitive) != nil {
                return .closures
            }
            return lower.hasSuffix(".cap") ? .cap : nil
        }
        if head.contains("CASE_ID") { return .emic }
        if lower.hasSuffix(".cap") { return .cap }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") { return .closures }
        return nil
    }

    /// Reads a file path or an http(s)/file URL.
    public func load(_ location: String) async throws(IncidentImportError) -> Data {
        let lower = location.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("file:") {
            let client = self.client ?? HTTPClient()
            let response: FetchResponse
            do {
                response = try await client.fetch(location, options: fetchOptions)
            } catch {
                // Fetch errors already name the URL; say it once.
                let text = error.description
                throw IncidentImportError(source: location, message: text.hasPrefix(location + ": ") ? String(text.dropFirst(location.count + 2)) : text)
            }
            if let status = response.status, !(200..<300).contains(status) {
                throw IncidentImportError(source: location, message: "HTTP \(status)")
            }
            return response.body
        }
        guard let data = FileManager.default.contents(atPath: location) else {
            throw IncidentImportError(source: location, message: FileManager.default.fileExists(atPath: location) ? "cannot read file" : "no such file")
        }
        return data
    }

    /// Reads and parses one document. `reference` is "now" for closure notices that say 今天/明天.
    public func read(_ location: String, format: IncidentFormat? = nil, reference: Date = Date()) async throws(IncidentImportError) -> ParsedIncidents {
        let data = try await load(location)
        return try await parse(data, source: location, format: format, reference: reference)
    }

    public func parse(_ data: Data, source: String, format: IncidentFormat? = nil, reference: Date = Date()) async throws(IncidentImportError) -> ParsedIncidents {
        guard !data.isEmpty else { throw IncidentImportError(source: source, message: "empty document") }
        guard let format = format ?? Self.detect(data, name: source) else {
            throw IncidentImportError(source: source, message: "cannot tell the format (not CAP XML, CWA JSON, an EMIC table or a closure table); give --format")
        }
        switch format {
        case .cap:
            let head = String(decoding: data.prefix(2048), as: UTF8.self)
            if (head.contains("<feed") || head.contains("<rss")) && !head.contains("<alert") {
                return try await readCAPFeed(data, source: source)
            }
            return try CAPParser(gazetteer: gazetteer, geocodes: geocodes, statuses: capStatuses).parse(data, source: source)
        case .cwa:
            return try CWAParser(gazetteer: gazetteer).parse(data, source: source)
        case .emic:
            return try EMICParser(gazetteer: gazetteer).parse(data, source: source)
        case .closures:
            return try ClosureParser(gazetteer: gazetteer).parse(data, source: source, reference: reference)
        }
    }

    /// An Atom/RSS feed whose entries link to CAP files: each linked file is fetched and read; one that fails
    /// is a warning, not the end of the import.
    func readCAPFeed(_ data: Data, source: String) async throws(IncidentImportError) -> ParsedIncidents {
        let feed: ParsedFeed
        do {
            feed = try FeedParser.parse(data, url: source)
        } catch {
            throw IncidentImportError(source: source, message: "CAP feed: \(error.description)")
        }
        var out = ParsedIncidents()
        let base = source.contains("://") ? source : URL(fileURLWithPath: source).absoluteString
        for entry in feed.entries.prefix(maxFeedEntries) {
            guard let link = entry.link else {
                out.warnings.append("\(source): entry \(entry.id ?? "?") has no link to a CAP file (skipped)")
                continue
            }
            let url = URL(string: link, relativeTo: URL(string: base))?.absoluteURL.absoluteString ?? link
            // A feed from the network links only to the network: never to this machine's files.
            let remote = base.lowercased().hasPrefix("http://") || base.lowercased().hasPrefix("https://")
            let linkLower = url.lowercased()
            guard linkLower.hasPrefix("http://") || linkLower.hasPrefix("https://") || (!remote && linkLower.hasPrefix("file:")) else {
                out.warnings.append("\(source): entry \(entry.id ?? "?") links to \(url), refused (a feed fetched over http(s) may only link http(s) CAP files)")
                continue
            }
            let location = url.hasPrefix("file://") ? (URL(string: url)?.path ?? url) : url
            do throws(IncidentImportError) {
                let body = try await load(location)
                out.append(try CAPParser(gazetteer: gazetteer, geocodes: geocodes, statuses: capStatuses).parse(body, source: url))
            } catch {
                out.warnings.append(error.description)
            }
        }
        let total = feed.entries.count + feed.omittedEntries
        if total > maxFeedEntries { out.warnings.append("\(source): only the first \(maxFeedEntries) of \(total) entries were read") }
        return out
    }
}
