import Foundation
import Hummingbird
import Mustache
import SieveCore
import Store

/// Renders the Mustache templates (compiled once from `Templates`).
enum Pages {
    /// One compiled library per language of the moderators' app: the templates as written (Traditional Chinese),
    /// and in English (`Templates.translated`; the public page has its own catalogue and stays as it is).
    static let libraries: [Language: MustacheLibrary] = {
        var out: [Language: MustacheLibrary] = [:]
        for lang in [Language.zhHant, .en] {
            var library = MustacheLibrary()
            for (name, text) in Templates.all.sorted(by: { $0.key < $1.key }) {
                do {
                    try library.register(name == "public" ? text : Templates.translated(text, lang), named: name)
                } catch {
                    preconditionFailure("template \(name) (\(lang.rawValue)) does not parse: \(error)")
                }
            }
            out[lang] = library
        }
        return out
    }()

    /// The moderators' app speaks Traditional Chinese and English; other languages read the English.
    static func appLanguage(_ lang: Language) -> Language { lang == .zhHant ? .zhHant : .en }

    static func render(_ name: String, _ object: Any, _ lang: Language = .zhHant) -> String {
        libraries[appLanguage(lang)]!.render(object, withTemplate: name) ?? "template \(name) missing"
    }

    /// A page whose body Swift code wrote (every value escaped with `H.e`).
    static func page(title: String, page: String, chrome: Chrome, body: String) -> String {
        render("raw", RawView(chrome: chrome, title: title, page: page, html: body), chrome.lang)
    }

    static func errorPage(status: HTTPResponse.Status, message: String, chrome: Chrome = Chrome()) -> String {
        render("error", ErrorView(chrome: chrome, status: status.code, heading: status.reasonPhrase, message: message), chrome.lang)
    }
}

// MARK: - View models (rendered through Mirror by swift-mustache)

struct Chrome {
    var user: String? = nil
    var roleLabel: String = ""
    var isAdmin = false
    var csrf: String? = nil
    var lang: Language = .zhHant
    /// The same page in the other language of the app.
    var switchURL: String? = nil
    var switchLabel = "English"
    var switchLang = "en"

    init(lang: Language = .zhHant) { self.lang = Pages.appLanguage(lang) }

    init(_ auth: AuthState?, _ request: Request? = nil, _ context: WebContext? = nil) {
        lang = context?.language ?? .zhHant
        if let request {
            let other: Language = lang == .zhHant ? .en : .zhHant
            let query = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("lang=") }.map(String.init)
            switchURL = request.uri.path + "?" + (query + ["lang=\(other.rawValue)"]).joined(separator: "&")
            switchLabel = other.nativeName
            switchLang = other.htmlLang
        }
        guard let auth else { return }
        user = auth.user
        roleLabel = Messages.app(Labels.roles[auth.role] ?? auth.role.rawValue, lang)
        isAdmin = auth.role.isAdmin
        csrf = auth.csrfToken
    }
}

struct ErrorView {
    var chrome: Chrome
    var status: Int
    var heading: String
    var message: String
}

struct LoginView {
    var chrome = Chrome()
    var loginToken: String
    var next: String
    var name: String
    var message: String?
    var notice: String? = nil
    /// The provider's sign-out page, offered after signing out of a single sign-on session.
    var providerLogout: String? = nil
    var sso: SSOButton? = nil
    var localLogin = true
}

struct SSOButton {
    var startURL: String
    var label: String
}

struct SSOContinueView {
    var chrome = Chrome()
    var user: String
    var next: String
}

struct Option {
    var value: String
    var label: String
    var selected = false
}

struct SummaryView {
    var open: Int
    var queued: Int
    var escalated: Int
    var latestID: Int64
    /// Deliveries that failed or were dead-lettered (the queue page then links to /outbox).
    var outboxProblems = 0
    var hasOutboxProblems = false
}

struct FilterEcho {
    var q: String
    var from: String
    var to: String
}

struct RowView {
    var id: Int64
    var title: String?
    var excerpt: String
    var source: String
    var time: String
    var place: String
    var types: String
    var disaster: String
    var rumour: String
    var disasterClass: String
    var rumourClass: String
    var verdict: Option?
    var cluster: Int?
    var stateLabel: String
    var locked: Bool
    var lockedBy: String?
}

struct QueueView {
    var chrome: Chrome
    var summary: SummaryView
    var filter: FilterEcho
    /// The filters' `<option>` lists (rendered by `QueueRowsHTML.options`).
    var typesHTML: String
    var countiesHTML: String
    var verdictsHTML: String
    var sourcesHTML: String
    var statesHTML: String
    var reasonsHTML: String
    /// The rows, rendered by `QueueRowsHTML` (escaped there).
    var rowsHTML: String
    var canDecide: Bool
    var page: Int
    var prevURL: String?
    var nextURL: String?
    var reloadURL: String
    var flash: String?
}

struct LockView {
    var user: String
    var until: String
}

struct ClusterView {
    var id: Int64
    var source: String
    var excerpt: String
}

struct HistoryView {
    var time: String
    var actor: String
    var action: String
    var detail: String
}

struct ChannelView {
    var name: String
    var title: String
}

struct ItemView {
    var chrome: Chrome
    var id: Int64
    var title: String?
    var source: String
    var author: String?
    var time: String
    var stateLabel: String
    var duplicateOf: Int64?
    var lockedBy: LockView?
    var claimedUntil: String?
    var text: String
    var link: String?
    var linkText: String?
    var disaster: String
    var rumour: String
    var disasterClass: String
    var rumourClass: String
    var priority: String
    var types: String
    var places: String
    var model: String
    var why: [String]
    var times: [String]
    var hasTimes: Bool
    var people: [String]
    var hasPeople: Bool
    var verdict: Option?
    var score: String?
    /// The cross-reference's reasons, rendered (Messages `xref.*`).
    var explanation: [String]
    var incidents: [String]
    var hasIncidents: Bool
    var clusterSize: Int
    var cluster: [ClusterView]
    var actionable: Bool
    /// Approved or escalated, and the viewer decides: retract (and, when approved, edit the public wording).
    var retractable: Bool = false
    var editable: Bool = false
    var channels: [ChannelView]
    var publicText: String
    var reasons: [Option]
    var history: [HistoryView]
    var publications: [String]
    var hasPublications: Bool
    var flash: String?
}

struct DecisionRowView {
    var reviewer: String
    var approve: Int
    var reject: Int
    var escalate: Int
    var total: Int
}

struct DashboardView {
    var chrome: Chrome
    var queued: Int
    var escalated: Int
    var oldestAge: String
    var averageAge: String
    var indicator: String
    var indicatorClass: String
    var published: Int
    var official: String
    var window: String
    var typeChart: String
    var countyChart: String
    var decisions: [DecisionRowView]
}

struct AuditRowView {
    var id: Int64
    var time: String
    var actor: String
    var action: String
    var postId: Int64?
    var before: String
    var after: String
    var ip: String
}

struct AuditView {
    var chrome: Chrome
    var actor: String
    var action: String
    var post: String
    var query: String
    var entries: [AuditRowView]
    var page: Int
    var prevURL: String?
    var nextURL: String?
}

struct AccountView {
    var name: String
    var role: String
    var created: String
    var status: String
    /// "單一登入" (made by single sign-on, no password) or "本機密碼".
    var signIn: String
}

struct RawView {
    var chrome: Chrome
    var title: String
    var page: String
    var html: String
}

struct UsersView {
    var chrome: Chrome
    var accounts: [AccountView]
}

// MARK: - Formatting shared by pages and the API

enum Format {
    static func scoreClass(_ v: Double?) -> String {
        guard let v else { return "" }
        return v >= 0.7 ? "hi" : (v >= 0.4 ? "mid" : "")
    }

    /// The first `n` characters on one line (line breaks become spaces).
    static func excerpt(_ text: String, _ n: Int = 120) -> String {
        var out = ""
        var count = 0
        var lastWasBreak = false
        for ch in text {
            if count == n { return out + "…" }
            if ch.isNewline {
                if !lastWasBreak && !out.isEmpty { out.append(" "); count += 1 }
                lastWasBreak = true
                continue
            }
            lastWasBreak = false
            out.append(ch)
            count += 1
        }
        return out
    }

    /// The href for a post's link: only absolute http(s) URLs; anything else (javascript:, data:, relative) is
    /// shown as text, never as a link.
    static func safeLink(_ url: String?) -> String? {
        guard let url, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host != nil
        else { return nil }
        return url
    }

    static func place(_ a: Assessment?, _ lang: Language = .zhHant) -> String {
        guard let a else { return "" }
        var seen = Set<String>()
        return Labels.list(Array(a.places.filter { $0.level != "address" }.map(\.display).filter { seen.insert($0).inserted }.prefix(2)), lang)
    }

    static func types(_ a: Assessment?, _ lang: Language = .zhHant) -> String {
        Labels.list((a?.types ?? []).prefix(3).map { Labels.type($0, lang) }, lang)
    }

    /// The incidents listed in an xref `matches` JSON array, one line each ("title (time) score"), whatever fields
    /// the cross-reference stage wrote.
    static func incidents(_ json: String?, _ lang: Language = .zhHant) -> [String] {
        if let json, let matches = try? JSONDecoder().decode([IncidentMatch].self, from: Data(json.utf8)) {
            return matches.map { m in
                Messages.app("{kind} {id}：{summary}（分數 {score}）", lang, [
                    "kind": Labels.kind(m.kind, lang), "id": m.externalID, "summary": m.summary, "score": String(format: "%.2f", m.score),
                ])
            }
        }
        guard let json, let data = json.data(using: .utf8),
            let array = try? JSONSerialization.jsonObject(with: data) as? [Any]
        else { return json.map { [$0] } ?? [] }
        return array.map { element in
            guard let o = element as? [String: Any] else { return "\(element)" }
            let title = ["title", "name", "summary", "headline", "id"].lazy.compactMap { o[$0].map { "\($0)" } }.first ?? ""
            var parts = [title]
            for key in ["kind", "externalID", "agency", "source", "county", "time", "published", "issuedAt", "score", "url"] {
                if let v = o[key] { parts.append("\(key): \(v)") }
            }
            return parts.filter { !$0.isEmpty }.joined(separator: " · ")
        }
    }
}

// MARK: - Direct lookups for the hot path (the queue page renders 50 rows; Mirror reflection per field is slow)

extension Option: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": return value
        case "label": return label
        case "selected": return selected
        default: return nil
        }
    }
}

extension Chrome: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "user": return user
        case "roleLabel": return roleLabel
        case "isAdmin": return isAdmin
        case "csrf": return csrf
        case "switchURL": return switchURL
        case "switchLabel": return switchLabel
        case "switchLang": return switchLang
        default: return nil
        }
    }
}

extension QueueView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "chrome": return chrome
        case "summary": return summary
        case "filter": return filter
        case "typesHTML": return typesHTML
        case "countiesHTML": return countiesHTML
        case "verdictsHTML": return verdictsHTML
        case "sourcesHTML": return sourcesHTML
        case "statesHTML": return statesHTML
        case "reasonsHTML": return reasonsHTML
        case "rowsHTML": return rowsHTML
        case "canDecide": return canDecide
        case "page": return page
        case "prevURL": return prevURL
        case "nextURL": return nextURL
        case "reloadURL": return reloadURL
        case "flash": return flash
        default: return nil
        }
    }
}

extension SummaryView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "open": return open
        case "queued": return queued
        case "escalated": return escalated
        case "latestID": return latestID
        case "outboxProblems": return outboxProblems
        case "hasOutboxProblems": return hasOutboxProblems
        default: return nil
        }
    }
}

extension FilterEcho: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "q": return q
        case "from": return from
        case "to": return to
        default: return nil
        }
    }
}
