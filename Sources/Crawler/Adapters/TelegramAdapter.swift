import CLibXML2
import Foundation
import Net
import SieveCore

/// Public Telegram channel previews (`https://t.me/s/CHANNEL`, `?before=N` for older messages).
///
/// Each `div.tgme_widget_message[data-post="channel/123"]` becomes a post with id "telegram:channel/123", url
/// `https://t.me/channel/123`, the message text (`.tgme_widget_message_text`, `<br>` as a line break; a photo's
/// caption is its text), the time of `.tgme_widget_message_date time[datetime]`, author = the name shown on the
/// message or else the channel's title; views, the forwarding source and photo URLs go to `extra`, the photos
/// also to `pictures` (read by the crawl stage). Quoted replies (`.tgme_widget_message_reply`) are not part of the
/// text. Service messages and messages with neither text nor photo (a sticker, a voice note) are skipped; a photo
/// without a caption is kept for its picture. The 「load more」 link (`?before=N`, or `link[rel=prev]`) is
/// followed as a `.page`.
public struct TelegramAdapter: SourceAdapter {
    public static let name = "telegram"

    public init() {}

    public func extract(_ body: Data, url: String, headers: [String: String]) throws(AdapterError) -> AdapterResult {
        guard !body.isEmpty else { throw AdapterError(url: url, message: "empty body, expected a t.me/s/ page") }
        guard let doc = try AdapterHTMLDocument(body, url: url) else {
            throw AdapterError(url: url, message: "could not be parsed as HTML")
        }
        let messages = doc.nodes("//div[\(xpathHasClass("tgme_widget_message"))][@data-post]")
        let history = doc.first("//section[\(xpathHasClass("tgme_channel_history"))]")
        if messages.isEmpty && history == nil {
            if doc.first("//div[\(xpathHasClass("tgme_page"))]") != nil {
                throw AdapterError(
                    url: url,
                    message: "a t.me profile page, not a channel preview (private channel, or preview disabled; use https://t.me/s/NAME)")
            }
            throw AdapterError(url: url, message: "not a t.me/s/ channel page (no tgme_channel_history, no messages)")
        }

        let channelTitle = doc.string("//div[\(xpathHasClass("tgme_channel_info_header_title"))]")
            ?? doc.string("//meta[@property='og:title']/@content")

        var result = AdapterResult()
        var seen = Set<String>()
        for message in messages {
            guard let dataPost = XML.attribute(message, "data-post")?.trimmingCharacters(in: .whitespaces),
                dataPost.contains("/"), !XML.hasClass(message, "service_message")
            else { continue }
            // The message's own text, not the one quoted in a reply or a link preview.
            let textNode = doc.first(
                ".//div[\(xpathHasClass("tgme_widget_message_text"))][\(xpathHasClass("js-message_text"))]"
                    + "[not(ancestor::*[\(xpathHasClass("tgme_widget_message_reply"))])]", in: message)
            let text = textNode.map { HTMLText.text(of: $0) } ?? ""
            let photos = doc.nodes(".//a[\(xpathHasClass("tgme_widget_message_photo_wrap"))]", in: message)
                .compactMap { XML.attribute($0, "style").flatMap(Self.backgroundImage) }
                .map { AdapterURL.resolve($0, against: url) }
            // A photo without a caption is kept for its picture (read by the crawl stage); a sticker is not.
            guard !text.isEmpty || !photos.isEmpty else { continue }

            let dateLink = doc.first(".//a[\(xpathHasClass("tgme_widget_message_date"))]", in: message)
            let datetime = dateLink.flatMap { doc.string(".//time/@datetime", in: $0) }
            let published = datetime.flatMap { FeedDateParser.parse($0) }
            if datetime != nil && published == nil {
                result.warnings.append("\(url): message \(dataPost) has an unreadable time \"\(datetime!)\"")
            }
            let link = dateLink.flatMap { XML.attribute($0, "href") }.map { AdapterURL.resolve($0, against: url) }
                ?? "https://t.me/\(dataPost)"
            let author = doc.string(
                ".//*[\(xpathHasClass("tgme_widget_message_owner_name"))]"
                    + "[not(ancestor::*[\(xpathHasClass("tgme_widget_message_reply"))])]", in: message)
                ?? channelTitle

            var extra: [String: String] = ["channel": String(dataPost.split(separator: "/")[0])]
            if let views = doc.string(".//*[\(xpathHasClass("tgme_widget_message_views"))]", in: message) {
                extra["views"] = views
            }
            if let from = doc.string(".//*[\(xpathHasClass("tgme_widget_message_forwarded_from_name"))]", in: message) {
                extra["forwardedFrom"] = HTMLText.tidy(from)
                if let href = doc.string(
                    ".//a[\(xpathHasClass("tgme_widget_message_forwarded_from_name"))]/@href", in: message)
                {
                    extra["forwardedFromURL"] = href
                }
            }
            if !photos.isEmpty { extra["photos"] = photos.joined(separator: " ") }
            if let reply = doc.string(".//a[\(xpathHasClass("tgme_widget_message_reply"))]/@href", in: message) {
                extra["replyTo"] = reply
            }

            let id = "telegram:\(dataPost)"
            guard seen.insert(id).inserted else { continue }
            result.posts.append(
                ExtractedPost(
                    externalID: id, url: link, title: nil, author: author, published: published, text: text,
                    extra: extra, pictures: photos.filter { $0.lowercased().hasPrefix("https://") || $0.lowercased().hasPrefix("http://") }))
        }

        if let more = Self.olderPage(doc, url: url) {
            result.follow.append(FollowLink(url: more, role: .page))
        }
        return result
    }

    /// The link to older messages: the 「load more」 anchor with `data-before`, else `<link rel="prev">`.
    static func olderPage(_ doc: AdapterHTMLDocument, url: String) -> String? {
        for a in doc.nodes("//a[\(xpathHasClass("tme_messages_more"))]") {
            if let href = XML.attribute(a, "href"), href.contains("before=") {
                return AdapterURL.resolve(href, against: url)
            }
            if let before = XML.attribute(a, "data-before"), !before.isEmpty {
                return AdapterURL.setting("before", to: before, in: url, removing: ["after"])
            }
        }
        if let prev = doc.string("//link[@rel='prev']/@href") { return AdapterURL.resolve(prev, against: url) }
        return nil
    }

    /// `background-image:url('https://…')` → the URL.
    static func backgroundImage(_ style: String) -> String? {
        guard let m = style.firstMatch(of: /background-image\s*:\s*url\(\s*['"]?([^'")]+)['"]?\s*\)/) else { return nil }
        return String(m.1)
    }
}
