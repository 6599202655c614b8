import Foundation
import SieveCore
import Store

/// Traditional Chinese labels for the codes the pipeline stores.
enum Labels {
    /// The disaster types in the order the filters list them; their names come from the message catalogue.
    static let types: [(String, String)] = [
        "flood", "landslide", "road_blocked", "trapped", "casualty", "power_outage", "water_outage", "building_damage",
        "tree_down", "sign_fallen", "bridge_damage", "fire", "earthquake", "evacuation", "rescue", "typhoon",
    ].map { ($0, Messages.text("type.\($0)", .zhHant)) }
    static let typeNames = Dictionary(uniqueKeysWithValues: types)

    static let counties = [
        "臺北市", "新北市", "基隆市", "桃園市", "新竹市", "新竹縣", "苗栗縣", "臺中市", "彰化縣", "南投縣", "雲林縣", "嘉義市",
        "嘉義縣", "臺南市", "高雄市", "屏東縣", "宜蘭縣", "花蓮縣", "臺東縣", "澎湖縣", "金門縣", "連江縣",
    ]

    static let verdicts: [(String, String)] =
        ["corroborated", "contradicted", "unconfirmed"].map { ($0, Messages.text("verdict.\($0)", .zhHant)) } + [("none", "尚未比對")]
    static let verdictNames = Dictionary(uniqueKeysWithValues: verdicts)

    static let reasons: [(RejectReason, String)] = [
        (.notDisaster, "非災情"), (.rumour, "謠言"), (.duplicate, "重複"), (.spam, "垃圾訊息"),
    ]
    static let reasonNames = Dictionary(uniqueKeysWithValues: reasons.map { ($0.0.rawValue, $0.1) })

    static let states: [PostState: String] = [
        .fetched: "未分類", .queued: "待審", .approved: "已核准", .rejected: "已退回", .escalated: "已轉 EOC",
        .retracted: "已撤回",
    ]

    static let incidentKinds: [IncidentKind: String] = Dictionary(
        uniqueKeysWithValues: IncidentKind.allCases.map { ($0, Messages.text("kind.\($0.rawValue)", .zhHant)) })

    static let roles: [AccountRole: String] = [.admin: "管理員", .moderator: "審核員", .eoc: "EOC 檢視"]

    static let actions: [String: String] = [
        "approve": "核准", "reject": "退回", "escalate": "轉 EOC", "merge": "合併重複", "claim": "鎖定處理",
        "login": "登入", "logout": "登出", "login_failed": "登入失敗", "user_add": "新增帳號", "token_create": "產生權杖",
        "account_create": "單一登入建立帳號", "role_change": "角色變更", "retract": "撤回", "edit": "修正公開文字",
    ]

    static func type(_ code: String) -> String { typeNames[code] ?? code }
    static func state(_ raw: String) -> String { PostState(rawValue: raw).flatMap { states[$0] } ?? raw }

    // The same in the app's language (English from the catalogue).
    static func type(_ code: String, _ lang: Language) -> String {
        Messages.table["type.\(code)"] == nil ? code : Messages.text("type.\(code)", Pages.appLanguage(lang))
    }
    static func state(_ raw: String, _ lang: Language) -> String { Messages.app(state(raw), lang) }
    static func verdict(_ code: String, _ lang: Language) -> String {
        code == "none" ? Messages.app("尚未比對", lang)
            : Messages.table["verdict.\(code)"] == nil ? code : Messages.text("verdict.\(code)", Pages.appLanguage(lang))
    }
    static func reason(_ code: String, _ lang: Language) -> String { reasonNames[code].map { Messages.app($0, lang) } ?? code }
    static func action(_ code: String, _ lang: Language) -> String { actions[code].map { Messages.app($0, lang) } ?? code }
    static func kind(_ kind: IncidentKind, _ lang: Language) -> String { Messages.text("kind.\(kind.rawValue)", Pages.appLanguage(lang)) }
    /// "、" between items in Chinese, ", " in English.
    static func list(_ items: [String], _ lang: Language) -> String { items.joined(separator: lang == .zhHant ? "、" : ", ") }
}

/// "2026-09-14 22:10" in Taipei time.
func taipeiShort(_ date: Date) -> String { TaipeiTime.short(date) }

/// Parses an HTML datetime-local value ("2026-09-14T22:10") as Taipei time, or a full RFC 3339 timestamp.
func parseTaipeiLocal(_ text: String) -> Date? {
    let t = text.trimmingCharacters(in: .whitespaces)
    if let d = ISO8601DateFormatter().date(from: t) { return d }
    let parts = t.split(whereSeparator: { "-T: ".contains($0) }).compactMap { Int($0) }
    guard parts.count >= 5 else { return nil }
    var c = DateComponents()
    (c.year, c.month, c.day, c.hour, c.minute) = (parts[0], parts[1], parts[2], parts[3], parts[4])
    c.second = parts.count > 5 ? parts[5] : 0
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TaipeiTime.zone
    guard (1...12).contains(parts[1]), (1...31).contains(parts[2]), (0...23).contains(parts[3]), (0...59).contains(parts[4])
    else { return nil }
    return cal.date(from: c)
}

/// "2 小時 5 分" / "12 分" / "40 秒".
func ageText(_ seconds: TimeInterval, _ lang: Language = .zhHant) -> String {
    let s = Int(max(0, seconds))
    if s >= 86400 { return Messages.app("{d} 天 {h} 小時", lang, ["d": "\(s / 86400)", "h": "\((s % 86400) / 3600)"]) }
    if s >= 3600 { return Messages.app("{h} 小時 {m} 分", lang, ["h": "\(s / 3600)", "m": "\((s % 3600) / 60)"]) }
    if s >= 60 { return Messages.app("{m} 分", lang, ["m": "\(s / 60)"]) }
    return Messages.app("{s} 秒", lang, ["s": "\(s)"])
}
