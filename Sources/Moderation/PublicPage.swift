import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SieveCore
import Store

/// `/public`: what anyone may read, no login — approved items and official information, never anything pending,
/// escalated, rejected or merged; retractions shown as retractions. By county and township, newest first, 30 a
/// page. No script, one small stylesheet; large-text and high-contrast versions are plain links. Cache-friendly:
/// the same answer for everyone (no cookie is read or set), `Cache-Control: public, max-age=60` and an ETag.
extension ModerationApp {
    static let publicPageSize = 30

    struct PublicData: Sendable {
        var items: [(item: PublishableItem, retraction: RetractionRecord?)]
        var incidents: [Incident]
        var failed: Bool
    }

    /// The store's answer, read at most every 15 s however many people ask.
    func publicData() async -> PublicData {
        await publicCache.get(ttl: 15) { [database] in
            do {
                let now = Date()
                let items = try await database.publicItems(limit: 2000)
                let incidents = try await database.incidents(
                    kinds: [.cap, .warning, .closure, .quake, .typhoon, .emic], from: now.addingTimeInterval(-48 * 3600), limit: 300)
                return PublicData(items: items, incidents: incidents.filter { $0.state == "active" }, failed: false)
            } catch {
                return PublicData(items: [], incidents: [], failed: true)
            }
        }
    }

    @Sendable func publicPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let q = request.uri.queryParameters
        let data = await publicData()
        if data.failed { throw WebError(status: .serviceUnavailable, message: "暫時無法讀取資料，請稍後再試。") }
        var options = PublicOptions(
            county: q.get("county").flatMap { Labels.counties.contains($0) ? $0 : nil }, township: nil,
            large: q.get("text") == "large", contrast: q.get("contrast") == "high", page: max(1, min(1000, Int(q.get("page") ?? "") ?? 1)))
        func inCounty(_ places: [PlaceMention], _ county: String) -> Bool {
            places.contains { $0.county == county || ($0.level == "county" && $0.name == county) }
        }
        // Townships named in this county's items (and official records), for the second row of links.
        var townships: [String: Int] = [:]
        if let county = options.county {
            for (item, _) in data.items where inCounty(item.places, county) {
                for p in Set(item.places.filter { $0.level == "township" && $0.county == county }.map(\.name)) { townships[p, default: 0] += 1 }
            }
            if let t = q.get("township"), townships[t] != nil { options.township = t }
        }
        let shown = data.items.filter { entry in
            guard let county = options.county else { return true }
            guard inCounty(entry.item.places, county) else { return false }
            guard let township = options.township else { return true }
            return entry.item.places.contains { $0.level == "township" && $0.name == township && $0.county == county }
        }
        var perCounty: [String: Int] = [:]
        for (item, _) in data.items {
            for c in Set(item.places.compactMap { $0.level == "county" ? $0.name : $0.county }) { perCounty[c, default: 0] += 1 }
        }
        let official = data.incidents.filter { incident in
            guard let county = options.county else { return true }
            return incident.areas.contains { $0.county == county }
        }
        let pageItems = shown.dropFirst((options.page - 1) * Self.publicPageSize).prefix(Self.publicPageSize)
        var view = PublicView(
            options: options, updated: taipeiShort(Date()),
            counties: Labels.counties.map { c in
                PublicLink(label: c + (perCounty[c].map { "（\($0)）" } ?? ""), href: options.with(county: .some(c), township: .some(nil)).href, current: c == options.county)
            },
            townships: townships.sorted { $0.key < $1.key }.map { t in
                PublicLink(label: "\(t.key)（\(t.value)）", href: options.with(township: .some(t.key)).href, current: t.key == options.township)
            },
            items: pageItems.map { Self.publicItemView($0.item, $0.retraction) },
            official: official.prefix(20).map(Self.publicIncidentView))
        view.bodyClass = [options.large ? "large" : nil, options.contrast ? "contrast" : nil].compactMap { $0 }.joined(separator: " ")
        view.largeLabel = options.large ? "一般字體" : "大字"
        view.contrastLabel = options.contrast ? "一般配色" : "高對比"
        view.hasTownships = !view.townships.isEmpty
        view.hasOfficial = !view.official.isEmpty
        view.hasItems = !view.items.isEmpty
        view.total = shown.count
        view.place = options.township.map { (options.county ?? "") + $0 } ?? options.county ?? "全臺"
        view.allHref = options.with(county: .some(nil), township: .some(nil)).href
        view.largeHref = PublicOptions(county: options.county, township: options.township, large: !options.large, contrast: options.contrast, page: options.page).href
        view.contrastHref = PublicOptions(county: options.county, township: options.township, large: options.large, contrast: !options.contrast, page: options.page).href
        if options.page > 1 { view.previous = options.with(page: options.page - 1).href }
        if shown.count > options.page * Self.publicPageSize { view.next = options.with(page: options.page + 1).href }
        let body = Pages.render("public", view)
        let etag = "\"" + SHA256.hash(data: Data(body.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        var headers = HTTPFields()
        headers[.cacheControl] = "public, max-age=60"
        headers[.eTag] = etag
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        var response = Reply.html(body)
        response.headers[.cacheControl] = "public, max-age=60"
        response.headers[.eTag] = etag
        return response
    }

    static func publicItemView(_ item: PublishableItem, _ retraction: RetractionRecord?) -> PublicItemView {
        var seen = Set<String>()
        let places = item.places.filter { $0.level != "address" }.map(\.display).filter { seen.insert($0).inserted }
        let official = item.verdict == XrefVerdict.corroborated.rawValue ? item.incidents.prefix(2).map(\.summary) : []
        let types = item.types.prefix(3).map(Labels.type).joined(separator: "、")
        let place = places.prefix(3).joined(separator: "、")
        return PublicItemView(
            id: item.postID, heading: [types.isEmpty ? "災情訊息" : types, place].filter { !$0.isEmpty }.joined(separator: " · "), decided: taipeiShort(item.approvedAt),
            posted: item.published.map(taipeiShort), text: retraction == nil ? item.text : Format.excerpt(item.text, 60),
            source: item.source, link: Format.safeLink(item.url), corroborated: !official.isEmpty, official: Array(official),
            retracted: retraction != nil, retractedAt: retraction.map { taipeiShort($0.retractedAt) },
            retractionNote: retraction?.note)
    }

    static func publicIncidentView(_ i: Incident) -> PublicIncidentView {
        let area = i.areas.compactMap { a in a.county.map { $0 + (a.township ?? "") } }
        var seen = Set<String>()
        return PublicIncidentView(
            kind: Labels.incidentKinds[i.kind] ?? i.kind.rawValue,
            title: i.headline ?? i.event ?? i.description.map { Format.excerpt($0, 60) } ?? "",
            area: area.filter { seen.insert($0).inserted }.prefix(4).joined(separator: "、"), time: taipeiShort(i.sent),
            expires: i.expires.map(taipeiShort), sender: i.sender, link: Format.safeLink(i.url))
    }
}

/// The public page's query: place, display options, page. Links keep the display options.
struct PublicOptions: Sendable, Equatable {
    var county: String?
    var township: String?
    var large: Bool
    var contrast: Bool
    var page: Int

    func with(county: String?? = nil, township: String?? = nil, page: Int? = nil) -> PublicOptions {
        var o = self
        if let county { o.county = county; o.township = nil }
        if let township { o.township = township }
        o.page = page ?? 1
        return o
    }

    var href: String {
        var parts: [String] = []
        let allowed = CharacterSet.alphanumerics.subtracting(CharacterSet(charactersIn: "&=+?#%"))
        if let county { parts.append("county=" + (county.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")) }
        if let township { parts.append("township=" + (township.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")) }
        if large { parts.append("text=large") }
        if contrast { parts.append("contrast=high") }
        if page > 1 { parts.append("page=\(page)") }
        return "/public" + (parts.isEmpty ? "" : "?" + parts.joined(separator: "&"))
    }
}

struct PublicLink {
    var label: String
    var href: String
    var current: Bool
}

struct PublicItemView {
    var id: Int64
    var heading: String
    var decided: String
    var posted: String?
    var text: String
    var source: String
    var link: String?
    var corroborated: Bool
    var official: [String]
    var retracted: Bool
    var retractedAt: String?
    var retractionNote: String?
}

struct PublicIncidentView {
    var kind: String
    var title: String
    var area: String
    var time: String
    var expires: String?
    var sender: String?
    var link: String?
}

struct PublicView {
    var options: PublicOptions
    var updated: String
    var counties: [PublicLink]
    var townships: [PublicLink]
    var items: [PublicItemView]
    var official: [PublicIncidentView]
    var hasTownships = false
    var hasOfficial = false
    var hasItems = false
    var total = 0
    var place = "全臺"
    var allHref = "/public"
    var largeHref = "/public"
    var contrastHref = "/public"
    var largeLabel = "大字"
    var contrastLabel = "高對比"
    var previous: String? = nil
    var next: String? = nil
    var bodyClass = ""
}
