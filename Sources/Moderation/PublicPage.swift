import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Maps
import SieveCore
import Store

/// `/public`: what anyone may read, no login — approved items and official information, never anything pending,
/// escalated, rejected or merged; retractions shown as retractions. By county and township, newest first, 30 a
/// page. One small stylesheet; large-text and high-contrast versions are plain links; a 1 KB script only adds
/// "near me" (sorting the page's items by distance on the device, when the person asks). Cache-friendly:
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
        await publicCache.get { [database] in
            do {
                let now = Date()
                let items = try await database.publicItems(limit: 2000)
                let incidents = try await database.incidents(
                    kinds: [.cap, .warning, .closure, .quake, .typhoon, .emic], activeAt: nil,
                    from: now.addingTimeInterval(-48 * 3600), to: nil, limit: 300
                )
                return PublicData(items: items, incidents: incidents.filter { $0.state == "active" }, failed: false)
            } catch {
                return PublicData(items: [], incidents: [], failed: true)
            }
        }
    }

    @Sendable func publicPage(_ request: Request, _ context: WebContext) async throws -> Response {
        let q = request.uri.queryParameters
        let data = await publicData()
        let shapes = try? mapBases.base(path: settings.mapBoundaries, insets: settings.mapTiles == nil)?.get().boundaries
        let villages = try? mapBases.villages(path: settings.mapVillages)?.get()
        let explicit = q.get("lang").flatMap { Language.match($0) }
        let lang = explicit ?? Language.negotiate(query: nil, acceptLanguage: request.headers[.acceptLanguage])
        if data.failed { throw WebError(status: .serviceUnavailable, message: Messages.text("public.unavailable", lang)) }
        var options = PublicOptions(
            county: q.get("county").flatMap { Labels.counties.contains($0) ? $0 : nil }, township: nil,
            large: q.get("text") == "large", contrast: q.get("contrast") == "high", page: max(1, min(1000, Int(q.get("page") ?? "") ?? 1)),
            lang: explicit)
        func inCounty(_ places: [PlaceMention], _ county: String) -> Bool {
            places.contains { $0.county == county || ($0.level == "county" && $0.name == county) }
        }
        // Townships named in this county's items, for the second row of links.
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
        func t(_ key: String, _ args: [String: String] = [:]) -> String { Messages.text(key, lang, args) }
        var view = PublicView(
            // "Updated": the newest decision, retraction or official record — not the clock, so the page (and its
            // ETag) stays the same until something changes and a cache may keep answering 304.
            options: options, updated: Self.lastChange(data).map(taipeiShort) ?? "—",
            counties: Labels.counties.map { c in
                PublicLink(
                    label: Messages.county(c, lang) + (perCounty[c].map { lang == .zhHant ? "（\($0)）" : " (\($0))" } ?? ""),
                    href: options.with(county: .some(c), township: .some(nil)).href, current: c == options.county)
            },
            townships: townships.sorted { $0.key < $1.key }.map { t in
                let name = lang == .zhHant ? t.key : options.county.flatMap { shapes?.township(county: $0, name: t.key)?.englishName } ?? t.key
                return PublicLink(label: lang == .zhHant ? "\(name)（\(t.value)）" : "\(name) (\(t.value))", href: options.with(township: .some(t.key)).href, current: t.key == options.township)
            },
            items: pageItems.map { Self.publicItemView($0.item, $0.retraction, lang, shapes: shapes, villages: villages) },
            official: official.prefix(20).map { Self.publicIncidentView($0, lang) })
        view.bodyClass = [options.large ? "large" : nil, options.contrast ? "contrast" : nil].compactMap { $0 }.joined(separator: " ")
        view.largeLabel = t(options.large ? "public.normalSize" : "public.large")
        view.contrastLabel = t(options.contrast ? "public.normalColours" : "public.contrast")
        view.languages = Language.allCases.map { l in
            var o = options
            o.lang = l
            return PublicLanguageLink(label: l.nativeName, href: o.href, lang: l.htmlLang, current: l == lang)
        }
        view.hasTownships = !view.townships.isEmpty
        view.hasOfficial = !view.official.isEmpty
        view.hasItems = !view.items.isEmpty
        view.total = shown.count
        if let township = options.township, let county = options.county {
            view.place = lang == .zhHant ? county + township : "\(township), \(Messages.county(county, lang))"
        } else {
            view.place = options.county.map { Messages.county($0, lang) } ?? t("public.allTaiwan")
        }
        view.lang = lang.htmlLang
        view.words = PublicText(
            title: t("public.title", ["place": view.place]), intro: t("public.intro", ["time": view.updated]), skip: t("public.skip"),
            language: t("public.language"), byCounty: t("public.byCounty"), choosePlace: t("public.choosePlace", ["place": view.place]),
            allTaiwan: t("public.allTaiwan"), official: t("public.official"), reports: t("public.reports", ["n": "\(shown.count)"]),
            none: t("public.none"), newer: t("public.newer"), older: t("public.older"), footer: t("public.footer"),
            original: t("public.originalLink"), matches: t("public.matches"),
            nearMe: t("public.nearMe"), nearLocating: t("public.nearLocating"), nearDenied: t("public.nearDenied"),
            nearDone: t("public.nearDone"), nearKm: t("public.nearKm"), nearUnknown: t("public.nearUnknown"),
            asWritten: lang == .zhHant ? nil : t("public.asWritten"))
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
        if explicit == nil { headers[.vary] = "Accept-Language" }
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        var response = Reply.html(body)
        response.headers[HTTPField.Name.cacheControl] = "public, max-age=60"
        response.headers[HTTPField.Name.eTag] = etag
        if explicit == nil { response.headers[HTTPField.Name.vary] = "Accept-Language" }
        return response
    }

    static func lastChange(_ data: PublicData) -> Date? {
        let items = data.items.map { $0.retraction?.retractedAt ?? $0.item.approvedAt }
        return (items + data.incidents.map(\.sent)).max()
    }

    /// One item; with township shapes, a township is named by its official romanisation outside Chinese, and an
    /// item with no coordinates of its own is placed at its township's middle for "near me" — or, naming only a
    /// village, at the village when the village file places it.
    static func publicItemView(
        _ item: PublishableItem, _ retraction: RetractionRecord?, _ lang: Language, shapes: Boundaries? = nil, villages: VillagePoints? = nil
    ) -> PublicItemView {
        func t(_ key: String, _ args: [String: String] = [:]) -> String { Messages.text(key, lang, args) }
        var seen = Set<String>()
        let places = item.places.filter { $0.level != "address" }.map { p -> String in
            guard lang != .zhHant else { return p.display }
            if p.level == "county" { return Messages.county(p.name, lang) }
            let name = p.county.flatMap { shapes?.township(county: $0, name: p.name)?.englishName } ?? p.name
            return p.county.map { "\(name), \(Messages.county($0, lang))" } ?? name
        }.filter { seen.insert($0).inserted }
        let township = item.places.lazy.compactMap { p in p.level == "township" ? p.county.flatMap { shapes?.township(county: $0, name: p.name) } : nil }.first
        let village = item.places.lazy.compactMap { p in
            p.level == "village" ? p.county.flatMap { villages?.locate(county: $0, village: p.name, township: township?.name) } : nil
        }.first
        let point = item.latitude.flatMap { lat in item.longitude.map { GeoPoint(lat: lat, lon: $0) } } ?? village?.point ?? township?.labelPoint
        let official = item.verdict == XrefVerdict.corroborated.rawValue ? item.incidents.prefix(2).map(\.summary) : []
        let separator = lang == .zhHant ? "、" : ", "
        let types = item.types.prefix(3).map { Messages.table["type.\($0)"] == nil ? $0 : t("type.\($0)") }
            .joined(separator: separator)
        let place = places.prefix(3).joined(separator: lang == .zhHant ? "、" : "; ")
        let excerpt = Format.excerpt(item.text, 60)
        var meta = [t("public.verified", ["time": taipeiShort(item.approvedAt)])]
        if let posted = item.published { meta.append(t("public.posted", ["time": taipeiShort(posted)])) }
        meta.append(t("public.source", ["source": item.source]))
        return PublicItemView(
            id: item.postID, heading: [types.isEmpty ? t("public.report") : types, place].filter { !$0.isEmpty }.joined(separator: " · "),
            text: retraction == nil ? item.text : excerpt, meta: meta.joined(separator: " · "),
            link: Format.safeLink(item.url), corroborated: !official.isEmpty, official: Array(official),
            retracted: retraction != nil,
            withdrawn: retraction.map { t("public.withdrawn", ["time": taipeiShort($0.retractedAt)]) },
            withdrawnText: retraction.map { _ in t("public.withdrawnText", ["text": excerpt]) },
            retractionNote: retraction?.note.map { t("public.reason", ["note": $0]) },
            lat: retraction == nil ? point.map { String(format: "%.4f", $0.lat) } : nil,
            lon: retraction == nil ? point.map { String(format: "%.4f", $0.lon) } : nil)
    }

    static func publicIncidentView(_ i: Incident, _ lang: Language) -> PublicIncidentView {
        func t(_ key: String, _ args: [String: String] = [:]) -> String { Messages.text(key, lang, args) }
        let area = i.areas.compactMap { a in
            a.county.map { lang == .zhHant ? $0 + (a.township ?? "") : (a.township.map { "\($0), " } ?? "") + Messages.county($0, lang) }
        }
        var seen = Set<String>()
        var meta = [t("public.issued", ["time": taipeiShort(i.sent)])]
        if let expires = i.expires { meta.append(t("public.until", ["time": taipeiShort(expires)])) }
        if let sender = i.sender { meta.append(sender) }
        return PublicIncidentView(
            kind: t("kind.\(i.kind.rawValue)"),
            title: i.headline ?? i.event ?? i.description.map { Format.excerpt($0, 60) } ?? "",
            area: area.filter { seen.insert($0).inserted }.prefix(4).joined(separator: lang == .zhHant ? "、" : "; "),
            meta: meta.joined(separator: " · "), link: Format.safeLink(i.url))
    }
}

/// The public page's query: place, display options, page. Links keep the display options.
struct PublicOptions: Sendable, Equatable {
    var county: String?
    var township: String?
    var large: Bool
    var contrast: Bool
    var page: Int
    /// The language asked for with `?lang=` (kept in every link); nil: chosen from Accept-Language.
    var lang: Language? = nil

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
        if let lang { parts.append("lang=\(lang.rawValue)") }
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
    var text: String
    var meta: String
    var link: String?
    var corroborated: Bool
    var official: [String]
    var retracted: Bool
    var withdrawn: String?
    var withdrawnText: String?
    var retractionNote: String?
    /// The item's position (its own, or the official record it matched), for "near me" on the device.
    var lat: String?
    var lon: String?
}

struct PublicIncidentView {
    var kind: String
    var title: String
    var area: String
    var meta: String
    var link: String?
}

struct PublicLanguageLink {
    var label: String
    var href: String
    var lang: String
    var current: Bool
}

/// The page's fixed wording in the reader's language (Messages "public.*").
struct PublicText {
    var title, intro, skip, language, byCounty, choosePlace, allTaiwan, official, reports, none, newer, older, footer: String
    var original, matches: String
    /// "Near me": the button and what the device's script says (the position never leaves the device).
    var nearMe, nearLocating, nearDenied, nearDone, nearKm, nearUnknown: String
    /// "Original post, as written (Chinese):" before a post's text outside Chinese; nil in Chinese.
    var asWritten: String?
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
    var lang = "zh-Hant-TW"
    var languages: [PublicLanguageLink] = []
    var words = PublicText(
        title: "", intro: "", skip: "", language: "", byCounty: "", choosePlace: "", allTaiwan: "", official: "", reports: "",
        none: "", newer: "", older: "", footer: "", original: "", matches: "", nearMe: "", nearLocating: "", nearDenied: "",
        nearDone: "", nearKm: "", nearUnknown: "", asWritten: nil)
}
