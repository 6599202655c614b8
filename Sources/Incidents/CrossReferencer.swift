import Classifier
import Foundation
import SieveCore

/// Cross-reference: for one assessed post, the official incidents that back it up (by time window per type,
/// place — village ⊂ township ⊂ county — type and wording), the claims official data contradicts (停班停課 on a
/// day the official notice says is normal, a strong quake CWA did not report, an evacuation order no authority
/// issued), and the known rumour it repeats. Built once over the incidents in the Store, then used read-only.
public struct CrossReferencer: Sendable {
    public struct Settings: Sendable {
        /// A match at or above this score corroborates the post.
        public var corroborate = 0.52
        /// Matches below this are not listed.
        public var minimum = 0.35
        public var maxMatches = 5
        public init() {}
    }

    /// One incident, prepared for scoring (a class: the scoring loop passes references, not copies).
    final class Entry: Sendable {
        let incident: Incident
        let vector: SparseVector
        let start: Date
        let end: Date
        let counties: Set<String>
        /// Where the post's road names are looked for (UTF-8).
        let addressBytes: [UInt8]

        init(incident: Incident, vector: SparseVector, start: Date, end: Date) {
            self.incident = incident
            self.vector = vector
            self.start = start
            self.end = end
            self.counties = incident.counties
            self.addressBytes = Array((incident.address ?? incident.areas.first?.description ?? "").utf8)
        }
    }

    /// The parts of a match score, kept so reasons are only worded for the matches shown.
    struct Parts {
        var score: Double
        var index: Int
        var place: Double
        var road: Bool
        var time: Double
        var type: Double
        var words: Double
    }

    let entries: [Entry]
    /// Entry indexes by county, ordered by start; incidents without a county are in `nationwide`.
    let byCounty: [String: [Int]]
    let nationwide: [Int]
    /// Report entries by "county|township" ("county|" for reports without a township), ordered by start.
    let byTownship: [String: [Int]]
    /// Entries whose window is longer than `shortWindow` (alerts in force for days or weeks).
    let longLived: [Int]
    static let shortWindow: TimeInterval = 31 * 3600
    let closures: [String: Incident]
    let idf: IDFTable
    let gazetteer: Gazetteer
    /// The closure phrases (simplified form) as a trie over their code points.
    let closurePhrases: ClosurePhraseTrie
    let quakeTimes: [Date]
    let quakeEntries: [Int]
    let capTimes: [Date]
    public let rumours: RumourMemory
    public var settings = Settings()

    public init(incidents: [Incident], rumours: RumourMemory, lexicon: Lexicon) {
        let gazetteer = Gazetteer(lexicon: lexicon)
        self.gazetteer = gazetteer
        self.rumours = rumours
        var closures: [String: Incident] = [:]
        var kept: [Incident] = []
        for i in incidents where i.state == "active" {
            if i.kind == .closure {
                if let county = i.areas.first?.county, let day = i.details.closureDate {
                    // Two notices for one county and day (a county-wide one and a township one): the county-wide wins.
                    if let old = closures["\(county) \(day)"], old.areas.first?.township == nil, i.areas.first?.township != nil { continue }
                    closures["\(county) \(day)"] = i
                }
            } else {
                kept.append(i)
            }
        }
        self.closures = closures
        let docs = kept.map { TextFeatures.bigrams(Self.incidentText($0)) }
        let idf = IDFTable(docs)
        self.idf = idf
        var entries: [Entry] = []
        entries.reserveCapacity(kept.count)
        for (k, i) in kept.enumerated() {
            let (start, end) = Self.window(i)
            entries.append(Entry(incident: i, vector: TextFeatures.vector(docs[k], idf: idf.idf), start: start, end: end))
        }
        self.entries = entries
        var byCounty: [String: [Int]] = [:]
        var nationwide: [Int] = []
        var longLived: [Int] = []
        for (k, e) in entries.enumerated() {
            if e.end.timeIntervalSince(e.start) > Self.shortWindow {
                longLived.append(k)
                continue
            }
            if e.counties.isEmpty { nationwide.append(k) }
            for c in e.counties { byCounty[c, default: []].append(k) }
        }
        for key in byCounty.keys { byCounty[key]!.sort { entries[$0].start < entries[$1].start } }
        var byTownship: [String: [Int]] = [:]
        for (county, list) in byCounty {
            for k in list {
                let towns = Set(entries[k].incident.areas.filter { $0.county == county }.map { $0.township ?? "" })
                for t in towns { byTownship[county + "|" + t, default: []].append(k) }  // already in start order
            }
        }
        self.byTownship = byTownship
        nationwide.sort { entries[$0].start < entries[$1].start }
        self.byCounty = byCounty
        self.nationwide = nationwide
        self.longLived = longLived
        self.quakeTimes = kept.filter { $0.kind == .quake }.map(\.sent).sorted()
        self.quakeEntries = entries.indices.filter { entries[$0].incident.kind == .quake }
        self.capTimes = kept.filter { $0.kind == .cap }.map(\.sent).sorted()
        var phrases: [String: String] = [:]
        for (p, kind) in lexicon.closures { phrases[Self.simplifiedForm(p)] = kind }
        self.closurePhrases = ClosurePhraseTrie(phrases)
    }

    static func incidentText(_ i: Incident) -> String {
        [i.headline, i.description, i.address, i.event, i.areas.map { ($0.county ?? "") + ($0.township ?? "") + ($0.village ?? "") }.joined(separator: " ")]
            .compactMap { $0 }.joined(separator: " ")
    }

    /// The span of post times an incident can back up.
    static func window(_ i: Incident) -> (Date, Date) {
        let h = 3600.0
        switch i.kind {
        case .emic: return (i.sent.addingTimeInterval(-6 * h), i.sent.addingTimeInterval(24 * h))
        case .quake: return (i.sent.addingTimeInterval(-10 * 60), i.sent.addingTimeInterval(24 * h))
        case .cap, .warning, .typhoon:
            let start = (i.effective ?? i.sent).addingTimeInterval(-6 * h)
            let end = (i.expires ?? i.sent.addingTimeInterval(24 * h)).addingTimeInterval(12 * h)
            return (start, max(end, start))
        case .closure: return (i.sent, i.sent)
        }
    }

    // MARK: - Checking a post

    /// What the post claims, as read from its text and assessment.
    struct Claims {
        var counties: Set<String> = []
        var townships: Set<String> = []
        var villages: Set<String> = []
        var roads: [String] = []
        var nationwide = false
        /// Where the post was made, when its source gives a position.
        var location: GeoPoint?
    }

    func claims(text: String, assessment: Assessment) -> Claims {
        var c = Claims()
        let named = Set(assessment.places.filter { $0.level == "county" }.map(\.name))
        for p in assessment.places {
            switch p.level {
            case "county": c.counties.insert(p.name)
            case "township":
                c.townships.insert(p.name)
                // 東區, 西區, 信義區 … exist in several cities: without the city named, any of them may be meant.
                let homes = gazetteer.townshipCounties[p.name] ?? []
                if let county = p.county, named.contains(county) || homes.count <= 1 {
                    c.counties.insert(county)
                } else {
                    c.counties.formUnion(homes)
                    if let county = p.county { c.counties.insert(county) }
                }
            case "landmark":
                if let county = p.county { c.counties.insert(county) }
                c.roads.append(p.name)
            case "address": c.roads.append(Self.road(p.name))
            default: if let county = p.county { c.counties.insert(county) }
            }
        }
        for a in AddressMatcher.addresses(in: text) where !c.roads.contains(Self.road(a.name)) { c.roads.append(Self.road(a.name)) }
        c.villages = Set(VillageExtractor.extract(text))
        c.nationwide = ["全台", "全臺", "全國", "全省", "各縣市"].contains { text.containsExactly($0) }
        return c
    }

    /// "莒光路三段137號" → "莒光路三段"; "台9線85K" → "台9線".
    static func road(_ address: String) -> String {
        var s = address
        if let r = s.range(of: "段") { s = String(s[..<r.upperBound]); return s }
        for mark in ["路", "街", "大道", "線"] {
            if let r = s.range(of: mark) { return String(s[..<r.upperBound]) }
        }
        return s
    }

    /// `location`: the post's own position when its source gives one (then distance, CAP polygons and circles
    /// count as place evidence too).
    public func check(text: String, published: Date, assessment: Assessment, location: GeoPoint? = nil) -> XrefResult {
        var claims = claims(text: text, assessment: assessment)
        claims.location = location
        var explanation: [XrefNote] = []
        var verdict = XrefVerdict.unconfirmed
        var contradiction: XrefNote?
        var support: XrefNote?

        // 1. Work/school closure claims against the official notices.
        let closureFinding = closureCheck(text: text, published: published, assessment: assessment, claims: claims)
        if let closure = closureFinding {
            explanation += closure.lines
            if closure.contradicted { contradiction = closure.lines.first }
            if closure.corroborated { support = closure.lines.first }
        }

        // 2. Matching incidents (the closure notices checked first).
        var matches = (closureFinding?.notices ?? []) + match(text: text, published: published, assessment: assessment, claims: claims)

        // 3. Earthquake claims against CWA.
        if let quake = quakeCheck(text: text, published: published, assessment: assessment, claims: claims, matches: &matches) {
            explanation.append(quake.line)
            if quake.contradicted { contradiction = contradiction ?? quake.line }
        }

        // 4. Evacuation orders.
        if let evac = evacuationCheck(text: text, published: published, claims: claims, matches: matches) {
            explanation.append(evac)
            contradiction = contradiction ?? evac
        }

        let best = matches.first
        if let best = matches.first(where: { $0.kind != .closure }), best.score >= settings.corroborate {
            support = support ?? XrefNote(
                "xref.record.matches",
                ["kind": "@kind.\(best.kind.rawValue)", "id": best.externalID, "score": String(format: "%.2f", best.score), "summary": best.summary])
        }

        // 5. Known rumours.
        let known = rumours.match(text)
        if let k = known {
            let line = XrefNote(
                "xref.rumour.matches",
                [
                    "id": "\(k.rumourID)", "similarity": String(format: "%.2f", k.similarity), "verdict": k.verdict,
                    "url": k.url.map { ", \($0)" } ?? "", "claim": String(k.claim.prefix(60)),
                ])
            explanation.append(line)
            if KnownRumour.isDebunked(k.verdict) && support == nil { contradiction = contradiction ?? line }
        }

        if let contradiction {
            verdict = .contradicted
            if !explanation.contains(contradiction) { explanation.insert(contradiction, at: 0) }
        } else if let support {
            verdict = .corroborated
            if !explanation.contains(support) { explanation.insert(support, at: 0) }
        } else if explanation.isEmpty {
            explanation.append(matches.isEmpty
                ? XrefNote("xref.none", ["n": "\(entries.count)"])
                : XrefNote(
                    "xref.closest",
                    ["score": String(format: "%.2f", matches[0].score), "threshold": "\(settings.corroborate)", "summary": matches[0].summary]))
        }
        for m in matches.prefix(3) where !explanation.contains(where: { $0.mentions(m.externalID) }) {
            explanation.append(XrefNote(
                "xref.candidate",
                ["kind": "@kind.\(m.kind.rawValue)", "id": m.externalID, "score": String(format: "%.2f", m.score), "reasons": m.reasons.joined(separator: ", ")]))
        }
        return XrefResult(verdict: verdict, score: best?.score ?? 0, matches: matches, knownRumour: known, explanation: explanation)
    }

    // MARK: Matching

    func candidates(counties: Set<String>, townships: Set<String> = [], at t: Date) -> [Int] {
        var out: [Int] = []
        func scan(_ list: [Int]) {
            // Every entry whose window holds t; these lists hold reports (windows ≤ 30 h) only.
            let lowerBound = t.addingTimeInterval(-Self.shortWindow)
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if entries[list[mid]].start < lowerBound { lo = mid + 1 } else { hi = mid }
            }
            var k = lo
            while k < list.count, entries[list[k]].start <= t {
                if entries[list[k]].end >= t { out.append(list[k]) }
                k += 1
            }
        }
        if counties.isEmpty {
            for list in byCounty.values { scan(list) }
        } else {
            for c in counties {
                // A post naming a township is matched against that township's reports and the county's reports
                // that name no township; a post naming only the county, against all of the county's.
                let here = townships.filter { gazetteer.township($0, isIn: c) }
                if here.isEmpty {
                    if let list = byCounty[c] { scan(list) }
                } else {
                    for t in here { if let list = byTownship[c + "|" + t] { scan(list) } }
                    if let list = byTownship[c + "|"] { scan(list) }
                }
            }
        }
        scan(nationwide)
        // Alerts, warnings and typhoons can be in force for weeks: few of them, checked one by one.
        for k in longLived where entries[k].start <= t && t <= entries[k].end {
            if counties.isEmpty || entries[k].counties.isEmpty || !entries[k].counties.isDisjoint(with: counties) { out.append(k) }
        }
        return Array(Set(out)).sorted()  // sorted: equal scores then break ties the same way every run
    }

    func match(text: String, published t: Date, assessment: Assessment, claims: Claims) -> [IncidentMatch] {
        let vector = TextFeatures.vector(TextFeatures.bigrams(text), idf: idf.idf)
        let roads = claims.roads.filter { $0.count >= 2 }.map { Array($0.utf8) }
        // Everything but the wording is cheap: score that first, then compute the wording (a cosine) best-first and
        // stop once even a perfect wording could not enter the top matches.
        var partial: [Parts] = []
        for k in candidates(counties: claims.counties, townships: claims.townships, at: t) {
            let e = entries[k]
            let i = e.incident
            // Place.
            var place = claims.counties.isEmpty && claims.townships.isEmpty ? 0.2 : 0.0
            if e.counties.isEmpty {
                place = max(place, i.kind == .quake || i.kind == .typhoon ? 0.5 : 0.2)
            }
            for a in i.areas {
                guard let county = a.county, claims.counties.contains(county) else { continue }
                var s = 0.5
                if let township = a.township, claims.townships.contains(township) { s = 0.75 }
                if let village = a.village, claims.villages.contains(village) { s = 0.9 }
                if i.kind == .quake, let level = i.details.intensities?[county] { s = level >= 3 ? 0.8 : 0.5 }
                place = max(place, s)
            }
            if let here = claims.location {
                let g = Geo.placeScore(here, point: i.point, polygons: i.polygons, circles: i.circles)
                place = max(place, g)
            }
            var road = false
            if !roads.isEmpty, !e.addressBytes.isEmpty, roads.contains(where: { Self.bytes(e.addressBytes, contain: $0) }) {
                place = min(1, place + 0.2)
                road = true
            }
            // Time.
            let time: Double
            if i.kind == .emic || i.kind == .quake {
                time = exp(-abs(t.timeIntervalSince(i.sent)) / (i.kind == .emic ? 6 * 3600 : 12 * 3600))
            } else if t >= (i.effective ?? i.sent) && t <= (i.expires ?? .distantFuture) {
                time = 1
            } else {
                let edge = t < (i.effective ?? i.sent) ? (i.effective ?? i.sent) : (i.expires ?? t)
                time = exp(-abs(t.timeIntervalSince(edge)) / (12 * 3600))
            }
            let type = IncidentTypes.compatibility(assessment.types, i.type)
            let without = 0.25 * place + 0.2 * time + 0.2 * type
            guard without + 0.35 >= settings.minimum else { continue }
            partial.append(Parts(score: without, index: k, place: place, road: road, time: time, type: type, words: 0))
        }
        partial.sort { $0.score > $1.score }
        var scored: [Parts] = []
        var floor = settings.minimum  // the score a match needs to be kept: the k-th best so far, once there are k
        for var p in partial {
            if p.score + 0.35 < floor { break }
            let e = entries[p.index]
            p.words = vector.cosine(e.vector)
            let score = p.score + 0.35 * p.words
            guard score >= floor else { continue }
            // Corroboration needs the place to agree at least at county level (or a nationwide incident) and the
            // type or the wording to agree.
            let placeAgrees = p.place >= 0.5 || (e.counties.isEmpty && p.place >= 0.2 && claims.counties.isEmpty)
            p.score = placeAgrees && (p.type >= 0.5 || p.words >= 0.35) ? score : min(score, settings.corroborate - 0.01)
            scored.append(p)
            if scored.count >= settings.maxMatches * 4 {
                scored.sort { $0.score > $1.score }
                scored.removeLast(scored.count - settings.maxMatches * 2)
                floor = max(floor, scored.last!.score)
            }
        }
        scored.sort {
            $0.score != $1.score
                ? $0.score > $1.score
                : abs(entries[$0.index].incident.sent.timeIntervalSince(t)) < abs(entries[$1.index].incident.sent.timeIntervalSince(t))
        }
        return scored.prefix(settings.maxMatches).map { p in
            let i = entries[p.index].incident
            var reasons: [String] = []
            if p.road { reasons.append("same road") }
            if let here = claims.location, let d = i.point.map({ Geo.distanceKm(here, $0) }), d <= 10 {
                reasons.append(String(format: "%.1f km away", d))
            } else if let here = claims.location, Geo.inside(here, polygons: i.polygons, circles: i.circles) {
                reasons.append("inside the alert area")
            }
            if p.place >= 0.9 { reasons.append("same village") } else if p.place >= 0.75 { reasons.append("same township") } else if p.place >= 0.5 { reasons.append("same county") }
            if p.time > 0.8 { reasons.append("same time") }
            if p.type >= 0.99, let it = i.type { reasons.append("same type (\(it))") }
            if p.words >= 0.3 { reasons.append("similar wording \(String(format: "%.2f", p.words))") }
            return IncidentMatch(
                incidentID: i.id ?? -1, externalID: i.externalID, kind: i.kind, score: (p.score * 1000).rounded() / 1000,
                summary: Self.summary(i), reasons: reasons)
        }
    }

    /// Substring search over UTF-8 bytes (valid UTF-8 matches only at character boundaries).
    static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    static func summary(_ i: Incident) -> String {
        let what = i.headline ?? i.event ?? i.kind.rawValue
        let text = (i.description ?? "").prefix(40)
        return "\(what)\(text.isEmpty ? "" : "「\(text)」") \(TaipeiTime.rfc3339(i.sent))"
    }

    // MARK: Closures

    struct ClosureFinding {
        var lines: [XrefNote]
        var contradicted: Bool
        var corroborated: Bool
        /// The official notices the claim was checked against.
        var notices: [IncidentMatch] = []
    }

    /// The closure claim in a post: "closure" or "normal", longest phrases first so 未達停班停課標準 is "normal".
    func closureClaim(_ text: String) -> String? {
        // The first phrase decides when a post has both (「明天照常上班上課，停班停課以人事總處公告為準」).
        let chars = Normalizer.normalize(text).unicodeScalars.map(Normalizer.simplifiedScalar)
        for i in chars.indices {
            if let kind = closurePhrases.longest(in: chars, from: i) { return kind }
        }
        return nil
    }

    /// NFKC, then Traditional → Simplified code point by code point (the table ICU's transliterator gives; one
    /// to one, so no transliterator is opened per post).
    static func simplifiedForm(_ text: String) -> String {
        String(String.UnicodeScalarView(Normalizer.normalize(text).unicodeScalars.map(Normalizer.simplifiedScalar)))
    }

    func closureCheck(text: String, published: Date, assessment: Assessment, claims: Claims) -> ClosureFinding? {
        guard let claim = closureClaim(text) else { return nil }
        var day = ClosureText.dayOf(text, reference: published)
        if day == nil, let t = assessment.times.first(where: { $0.granularity == "day" }) ?? assessment.times.first {
            day = String(t.start.prefix(10))
        }
        let date = day ?? OfficialTime.day(published)
        var counties = claims.counties
        if counties.isEmpty && claims.nationwide { counties = Set(closures.values.compactMap { $0.details.closureDate == date ? $0.areas.first?.county : nil }) }
        guard !counties.isEmpty else {
            return ClosureFinding(
                lines: [XrefNote("xref.closure.noCounty", ["claimed": claim == "closure" ? "@xref.claim.closure" : "@xref.claim.normal", "date": date])],
                contradicted: false, corroborated: false)
        }
        let claimed = claim == "closure" ? "@xref.claim.closure" : "@xref.claim.normal"
        var normal: [String] = [], closed: [String] = [], partial: [String] = [], missing: [String] = []
        var sample: [String: Incident] = [:]
        var notices: [IncidentMatch] = []
        for county in counties.sorted() {
            guard let notice = closures["\(county) \(date)"], let status = notice.details.closure else {
                missing.append(county)
                continue
            }
            let agrees = (claim == "closure") == (status == .closed)
            notices.append(IncidentMatch(
                incidentID: notice.id ?? -1, externalID: notice.externalID, kind: .closure, score: status == .partial ? 0.5 : 1.0,
                summary: Self.summary(notice),
                reasons: [status == .partial ? "partial closure" : (agrees ? "official notice agrees" : "official notice says otherwise")]))
            sample[status.rawValue] = sample[status.rawValue] ?? notice
            switch status {
            case .normal: normal.append(county)
            case .closed: closed.append(county)
            case .partial: partial.append(county)
            }
        }
        func list(_ c: [String]) -> String { c.count <= 4 ? c.joined(separator: "、") : c.prefix(4).joined(separator: "、") + "…(+\(c.count - 4))" }
        func quote(_ s: ClosureStatus) -> String {
            guard let n = sample[s.rawValue] else { return "" }
            return " (\(n.sender.map { "\($0) " } ?? "")\(n.externalID): \(n.description ?? ClosureText.label(s)))"
        }
        let whereText = claims.nationwide && claims.counties.isEmpty ? "@xref.nationwide" : list(counties.sorted())
        var lines: [XrefNote] = []
        var contradicted = false, corroborated = false
        let against = claim == "closure" ? normal : closed
        let agree = claim == "closure" ? closed : normal
        if !against.isEmpty {
            contradicted = true
            lines.append(XrefNote(
                "xref.closure.contradicted",
                [
                    "claimed": claimed, "where": whereText, "date": date, "counties": list(against),
                    "official": claim == "closure" ? "@xref.claim.normal" : "@xref.claim.closed",
                    "quote": quote(claim == "closure" ? .normal : .closed),
                ]))
        }
        if !agree.isEmpty {
            corroborated = true
            lines.append(XrefNote(
                "xref.closure.corroborated",
                [
                    "counties": list(agree), "date": date, "official": claim == "closure" ? "@xref.claim.closed" : "@xref.claim.normal",
                    "quote": quote(claim == "closure" ? .closed : .normal),
                ]))
        }
        if !partial.isEmpty {
            lines.append(XrefNote("xref.closure.partial", ["counties": list(partial), "date": date, "quote": quote(.partial)]))
        }
        if !missing.isEmpty {
            lines.append(XrefNote("xref.closure.missing", ["counties": list(missing), "date": date, "claimed": claimed]))
        }
        return ClosureFinding(lines: lines, contradicted: contradicted, corroborated: corroborated && !contradicted, notices: notices)
    }

    // MARK: Earthquakes

    static let magnitudePattern = try! NSRegularExpression(pattern: "(?:規模|规模|芮氏|M)\\s*([0-9]+(?:\\.[0-9])?)")
    static let intensityPattern = try! NSRegularExpression(pattern: "(?:震度|震度達)\\s*([0-9一二三四五六七])\\s*(?:級|级)?")

    static func firstNumber(_ re: NSRegularExpression, _ text: String) -> Double? {
        let ns = text as NSString
        guard let m = re.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let s = ns.substring(with: m.range(at: 1))
        let digits: [String: Double] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7]
        return Double(s) ?? digits[s]
    }

    func quakeCheck(text: String, published t: Date, assessment: Assessment, claims: Claims, matches: inout [IncidentMatch])
        -> (line: XrefNote, contradicted: Bool)?
    {
        let mentionsQuake = assessment.types.first == "earthquake" || text.containsExactly("地震") || text.containsExactly("強震") || text.containsExactly("强震")
        guard mentionsQuake else { return nil }
        let magnitude = Self.firstNumber(Self.magnitudePattern, text)
        let intensity = Self.firstNumber(Self.intensityPattern, text)
        let strong = (magnitude ?? 0) >= 5 || (intensity ?? 0) >= 4 || ["強震", "强震", "大地震", "超大地震"].contains { text.containsExactly($0) }
        let quakes = quakeEntries.map { entries[$0] }.filter { $0.start <= t && t <= $0.end }
            .sorted { abs($0.incident.sent.timeIntervalSince(t)) < abs($1.incident.sent.timeIntervalSince(t)) }
        if let q = quakes.first?.incident {
            if let magnitude, let actual = q.details.magnitude, abs(magnitude - actual) >= 1.0 {
                return (XrefNote(
                    "xref.quake.magnitude",
                    ["claimed": "\(magnitude)", "report": q.externalID, "actual": "\(actual)", "time": TaipeiTime.rfc3339(q.sent)]), true)
            }
            if let intensity, let county = claims.counties.first, let level = q.details.intensities?[county] ?? (q.details.intensities.map { _ in 0 }),
                intensity - Double(level) >= 2
            {
                return (XrefNote(
                    "xref.quake.intensity",
                    ["claimed": "\(Int(intensity))", "county": county, "report": q.externalID, "actual": level == 0 ? "@xref.quake.noShaking" : "\(level)"]),
                    true)
            }
            if !matches.contains(where: { $0.externalID == q.externalID && $0.kind == .quake }) {
                let counties = q.details.intensities?.keys.sorted().joined(separator: "、") ?? ""
                matches.insert(IncidentMatch(
                    incidentID: q.id ?? -1, externalID: q.externalID, kind: .quake, score: 0.6,
                    summary: Self.summary(q), reasons: ["CWA earthquake report in the hours before the post" + (counties.isEmpty ? "" : " (felt in \(counties))")]), at: 0)
            }
            return (XrefNote(
                "xref.quake.report",
                ["report": q.externalID, "magnitude": q.details.magnitude.map { String($0) } ?? "?", "time": TaipeiTime.rfc3339(q.sent)]), false)
        }
        // No report: a strong quake CWA would have reported, if CWA reports cover this time.
        let covered = quakeTimes.contains { abs($0.timeIntervalSince(t)) < 7 * 86400 }
        if strong && covered {
            return (XrefNote("xref.quake.none", ["from": TaipeiTime.rfc3339(t.addingTimeInterval(-86400)), "to": TaipeiTime.rfc3339(t)]), true)
        }
        return nil
    }

    // MARK: Evacuation orders

    static let orderWords = ["撤離令", "強制撤離", "下令撤離", "撤離命令", "疏散令", "勒令撤離", "强制撤离", "下令撤离", "撤离令"]

    func evacuationCheck(text: String, published t: Date, claims: Claims, matches: [IncidentMatch]) -> XrefNote? {
        guard Self.orderWords.contains(where: { text.containsExactly($0) }) else { return nil }
        var official: [Incident] = []
        for k in candidates(counties: claims.counties, at: t) {
            let i = entries[k].incident
            guard i.kind == .cap || i.kind == .warning else { continue }
            if i.type == "evacuation" || Self.incidentText(i).containsExactly("撤離") { official.append(i) }
        }
        if !official.isEmpty { return nil }
        let covered = capTimes.contains { abs($0.timeIntervalSince(t)) < 7 * 86400 }
        guard covered, !claims.counties.isEmpty else { return nil }
        let place = claims.townships.sorted().first ?? claims.counties.sorted().joined(separator: "、")
        return XrefNote("xref.evacuation.none", ["place": place, "time": TaipeiTime.rfc3339(t)])
    }
}

/// Known rumours: debunked claims (imported fact-checks, moderators' rumour rejections) matched by near-duplicate
/// hashing and token TF-IDF cosine.
public struct RumourMemory: Sendable {
    struct Item: Sendable {
        var rumour: KnownRumour
        var simhash: UInt64?
        var vector: SparseVector
    }

    let items: [Item]
    let postings: [UInt64: [Int]]
    let idf: IDFTable
    let tokenizer: Tokenizer?
    /// Cosine at or above this is a match.
    public var threshold = 0.6

    public var count: Int { items.count }

    public init(rumours: [KnownRumour], tokenizer: Tokenizer?) {
        self.tokenizer = tokenizer
        let docs = rumours.map { Self.features($0.claim, tokenizer: tokenizer) }
        let idf = IDFTable(docs)
        self.idf = idf
        var items: [Item] = []
        var postings: [UInt64: [Int]] = [:]
        for (k, r) in rumours.enumerated() {
            let v = TextFeatures.vector(docs[k], idf: idf.idf)
            items.append(Item(rumour: r, simhash: SimHash.hash(r.claim), vector: v))
            for id in v.ids { postings[id, default: []].append(k) }
        }
        self.items = items
        self.postings = postings
    }

    /// Tokens (Simplified-folded, punctuation dropped) plus character bigrams, hashed.
    static func features(_ text: String, tokenizer: Tokenizer?) -> [UInt64: Float] {
        var f = TextFeatures.bigrams(text)
        if let tokenizer {
            for t in tokenizer.tokenize(Normalizer.normalize(text)) where t.kind != .punctuation && t.text.count >= 2 {
                var h = FNV1a(seed: 0x9e37_79b9_7f4a_7c15)
                // Code point by code point through the Traditional → Simplified table (no transliterator per token).
                for s in t.text.unicodeScalars { h.add(value: UInt64(Normalizer.simplifiedScalar(s).value)) }
                f[h.value | (1 << 62), default: 0] += 1
            }
        }
        return f
    }


    /// The best known rumour the text repeats, if any.
    public func match(_ text: String) -> KnownRumourMatch? { matches(text, limit: 1).first }

    /// The known rumours the text repeats (similarity ≥ `threshold`), best first.
    public func matches(_ text: String, limit: Int) -> [KnownRumourMatch] {
        guard !items.isEmpty, limit > 0 else { return [] }
        let v = TextFeatures.vector(Self.features(text, tokenizer: tokenizer), idf: idf.idf)
        let hash = SimHash.hash(text)
        var seen: Set<Int> = []
        var found: [(Double, Int)] = []
        for id in v.ids {
            for k in postings[id] ?? [] where seen.insert(k).inserted {
                var s = v.cosine(items[k].vector)
                if let hash, let h = items[k].simhash, SimHash.distance(hash, h) <= 3 {
                    s = max(s, 1 - Double(SimHash.distance(hash, h)) / 64)
                }
                if s >= threshold { found.append((s, k)) }
            }
        }
        found.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        return found.prefix(limit).map { s, k in
            let r = items[k].rumour
            return KnownRumourMatch(rumourID: r.id, similarity: (s * 1000).rounded() / 1000, verdict: r.verdict, claim: r.claim, url: r.url)
        }
    }
}

/// Phrases as a trie over their code points: the longest phrase (two code points or more) starting at a position
/// is found by walking forward once, without building a string for every candidate length.
struct ClosurePhraseTrie: Sendable {
    /// (node << 32 | code point) → child node; node 0 is the root.
    private var children: [UInt64: UInt32] = [:]
    /// What each node's phrase means ("closure" | "normal"), nil for a node that only begins longer phrases.
    private var kinds: [String?] = [nil]

    init(_ phrases: [String: String]) {
        for (phrase, kind) in phrases {
            var node: UInt32 = 0
            for s in phrase.unicodeScalars {
                let key = UInt64(node) << 32 | UInt64(s.value)
                if let next = children[key] {
                    node = next
                } else {
                    kinds.append(nil)
                    let next = UInt32(kinds.count - 1)
                    children[key] = next
                    node = next
                }
            }
            kinds[Int(node)] = kind
        }
    }

    /// The kind of the longest phrase of two code points or more that starts at `start`.
    func longest(in chars: [Unicode.Scalar], from start: Int) -> String? {
        var node: UInt32 = 0
        var found: String? = nil
        var i = start
        while i < chars.count, let next = children[UInt64(node) << 32 | UInt64(chars[i].value)] {
            node = next
            i += 1
            if i - start >= 2, let kind = kinds[Int(node)] { found = kind }
        }
        return found
    }
}
