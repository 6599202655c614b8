import CCurl
import CLibXML2
import Foundation
import Net
import SieveCore

/// sitemaps.org sitemaps: `<urlset>` → one `FollowLink(.item)` per `<url><loc>` (its `<lastmod>` in
/// `FollowLink.lastModified`), `<sitemapindex>` → one `FollowLink(.page)` per child `<sitemap><loc>`; the plain-text
/// format (one URL per line) is accepted too. No posts.
///
/// Sitemaps are often served as `.xml.gz` files, which arrive still compressed (HTTP decoding only undoes
/// `Content-Encoding`): a body that starts with the gzip magic bytes 1f 8b is decompressed here, stopping with an
/// error once the output would pass `maxDecompressedBytes` (sitemaps.org's own limit, 50 MiB, by default) so a
/// gzip bomb cannot exhaust memory.
public struct SitemapAdapter: SourceAdapter {
    public static let name = "sitemap"
    /// sitemaps.org: "no larger than 50MB (52,428,800 bytes)" uncompressed.
    public static let defaultMaxDecompressedBytes = 52_428_800
    /// sitemaps.org: at most 50,000 URLs per file.
    static let maxURLs = 50_000

    public var maxDecompressedBytes: Int

    public init(maxDecompressedBytes: Int = SitemapAdapter.defaultMaxDecompressedBytes) {
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        var data = body
        if data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b {
            data = try Self.gunzip(data, cap: maxDecompressedBytes, url: url)
        }
        let start = data.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        guard let first = start.first else { throw AdapterError(url: url, message: "empty sitemap") }
        if first != UInt8(ascii: "<") { return try text(Data(start), url: url) }
        return try xml(data, url: url)
    }

    // MARK: gzip

    static func gunzip(_ data: Data, cap: Int, url: String) throws(AdapterError) -> Data {
        var err: Int32 = 0
        let capacity = max(cap, 0)
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = data.withUnsafeBytes { raw in
                sieve_gunzip(
                    raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, buffer.baseAddress, capacity, &err)
            }
        }
        switch err {
        case Int32(SIEVE_GZIP_OK):
            return Data(out)
        case Int32(SIEVE_GZIP_TOO_LARGE):
            throw AdapterError(
                url: url,
                message: "gzip body decompresses to more than \(cap) bytes (the limit); stopped (gzip bomb?)")
        case Int32(SIEVE_GZIP_TRUNCATED):
            throw AdapterError(url: url, message: "gzip body is truncated")
        case Int32(SIEVE_GZIP_NO_MEMORY):
            throw AdapterError(url: url, message: "out of memory decompressing the gzip body")
        default:
            throw AdapterError(url: url, message: "gzip body is corrupt (bad header, data or checksum)")
        }
    }

    // MARK: Formats

    func text(_ data: Data, url: String) throws(AdapterError) -> AdapterResult {
        var result = AdapterResult()
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard line.hasPrefix("http://") || line.hasPrefix("https://") else {
                throw AdapterError(
                    url: url, message: "line \(i + 1) is not a URL; neither an XML sitemap nor a text sitemap")
            }
            result.follow.append(FollowLink(url: line, role: .item))
        }
        if result.follow.count > Self.maxURLs {
            result.warnings.append("\(url): \(result.follow.count) URLs, more than the 50,000 a sitemap may list")
        }
        return result
    }

    func xml(_ data: Data, url: String) throws(AdapterError) -> AdapterResult {
        let doc: xmlDocPtr
        switch XML.parseStrict(data, url: url, encoding: nil) {
        case .success(let d): doc = d
        case .failure(let f): throw AdapterError(url: url, message: f.description)
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else { throw AdapterError(url: url, message: "no root element") }

        let rootName = XML.localName(root)
        let (entryName, role): (String, FollowLink.Role)
        switch rootName {
        case "urlset": (entryName, role) = ("url", .item)
        case "sitemapindex": (entryName, role) = ("sitemap", .page)
        case "html", "HTML":
            throw AdapterError(url: url, message: "an HTML page, not a sitemap (an error page served in its place?)")
        default:
            throw AdapterError(url: url, message: "root element <\(rootName)> is neither <urlset> nor <sitemapindex>")
        }

        var result = AdapterResult()
        var missing = 0
        for entry in XML.children(root) where XML.localName(entry) == entryName {
            var loc: String?
            var lastmod: String?
            for field in XML.children(entry) {
                switch XML.localName(field) {
                case "loc": loc = XML.text(field).trimmingCharacters(in: .whitespacesAndNewlines)
                case "lastmod": lastmod = XML.text(field).trimmingCharacters(in: .whitespacesAndNewlines)
                default: break
                }
            }
            guard let loc, !loc.isEmpty else {
                missing += 1
                continue
            }
            result.follow.append(
                FollowLink(
                    url: AdapterURL.resolve(loc, against: url), role: role,
                    lastModified: lastmod?.isEmpty == false ? lastmod : nil))
        }
        if missing > 0 { result.warnings.append("\(url): \(missing) <\(entryName)> entries without <loc> skipped") }
        if result.follow.count > Self.maxURLs {
            result.warnings.append("\(url): \(result.follow.count) entries, more than the 50,000 a sitemap may list")
        }
        return result
    }
}
