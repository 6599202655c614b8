import CCurl
import CLibXML2
import Foundation
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
        silenceLibXML()
        guard let ctxt = xmlNewParserCtxt() else { throw AdapterError(url: url, message: "out of memory") }
        defer { xmlFreeParserCtxt(ctxt) }
        // Keep the first error (the cause), not the last (often just "premature end of data").
        let firstError = FirstError()
        let box = Unmanaged.passRetained(firstError)
        defer { box.release() }
        ctxt.pointee._private = box.toOpaque()
        ctxt.pointee.sax.pointee.serror = { userData, error in
            guard let userData, let error else { return }
            let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
            guard let priv = ctxt.pointee._private else { return }
            let first = Unmanaged<FirstError>.fromOpaque(priv).takeUnretainedValue()
            guard first.line == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            first.line = Int(error.pointee.line)
            first.message = error.pointee.message.map { String(cString: $0) }?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // No network, no DTD loading, no entity substitution.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)
        let doc: xmlDocPtr? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            return xmlCtxtReadMemory(ctxt, base.assumingMemoryBound(to: CChar.self), Int32(raw.count), url, nil, options)
        }
        guard let doc, ctxt.pointee.wellFormed != 0 else {
            if let doc { xmlFreeDoc(doc) }
            let last = ctxt.pointee.lastError
            let line = firstError.line ?? Int(last.line)
            let message = firstError.message
                ?? last.message.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
                ?? "not well-formed"
            throw AdapterError(url: url, message: "line \(line): not well-formed XML: \(message)")
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

/// The first error libxml2 reported while parsing (set from its C callback).
private final class FirstError {
    var line: Int?
    var message: String?
}
