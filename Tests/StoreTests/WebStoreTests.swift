import Foundation
import GRDB
import SieveCore
@testable import Store
import Testing
import TestSupport

/// The moderation web app's store (accounts, sessions, API tokens, login throttling, claims, decisions, merges,
/// the audit log, the queue with its filters and search, the dashboard) on both backends.
@Suite("Store: the web app's tables on SQLite and PostgreSQL", .serialized)
struct WebStoreTests {
    let dir = TempDir()

    func open(_ backend: Backend, _ test: String = #function) async throws -> AppDatabase? { try await backend.open(in: dir, test) }

    static let base = Date(timeIntervalSince1970: 1_789_394_400)  // 2026-09-14T22:00:00+08:00

    struct Seed {
        var id: String
        var source = "news"
        var text: String
        var minutes = 0
        var priority = 1.0
        var types: [String] = ["flood"]
        var places: [PlaceMention] = []
    }

    static let seeds: [Seed] = [
        Seed(id: "slide", text: "那瑪夏區台21線土石流", minutes: 10, priority: 1.5, types: ["landslide", "road_blocked"],
             places: [PlaceMention(surface: "那瑪夏區", name: "那瑪夏區", level: "township", county: "高雄市")]),
        Seed(id: "flood", source: "voices", text: "汐止康寧街淹水", minutes: 20, priority: 1.2, types: ["flood", "trapped"],
             places: [PlaceMention(surface: "汐止區", name: "汐止區", level: "township", county: "新北市")]),
        Seed(id: "rumour", source: "voices", text: "網傳明天停班停課", minutes: 30, priority: 0.9, types: ["typhoon"]),
        Seed(id: "power", source: "board", text: "花蓮縣吉安鄉停電", minutes: 40, priority: 0.8, types: ["power_outage"],
             places: [PlaceMention(surface: "花蓮縣", name: "花蓮縣", level: "county")]),
        Seed(id: "chatter", source: "board", text: "颱風天煮泡麵", minutes: 50, priority: 0.1, types: []),
    ]

    /// Stores and assesses the seeds; returns seed id → post id.
    func seed(_ db: AppDatabase, _ seeds: [Seed] = WebStoreTests.seeds) async throws -> [String: Int64] {
        let sources = try await db.syncSources(Set(seeds.map(\.source)).sorted().map { SourceConfig(name: $0, kind: .rss, url: "https://\($0).example/") })
        for s in seeds {
            try await db.recordFetch(
                DocumentRecord(sourceId: sources[s.source]!, url: "https://\(s.source).example/"),
                posts: [ExtractedPost(externalID: s.id, published: Self.base.addingTimeInterval(Double(s.minutes * 60)), text: s.text)])
        }
        let byText = Dictionary(uniqueKeysWithValues: seeds.map { ($0.text, $0) })
        let posts = try await db.postsToAssess()
        try await db.saveAssessments(posts.map { p in
            let s = byText[p.text]!
            return (p.id, Assessment(disaster: 0.9, rumour: 0.1, types: s.types, places: s.places, reasons: ["r"], model: "t"), s.priority)
        })
        return Dictionary(uniqueKeysWithValues: posts.map { (byText[$0.text]!.id, $0.id) })
    }

    @Test(arguments: Backend.available) func accountsSessionsAndTokens(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let amy = try await db.createAccount(name: "amy", role: .moderator, passwordHash: "$2b$04$hash-a")
        try await db.createAccount(name: "admin", role: .admin, passwordHash: "$2b$04$hash-b")
        await #expect(throws: StoreError.accountExists("amy")) { try await db.createAccount(name: "amy", role: .eoc, passwordHash: "x") }
        let stored = try #require(try await db.account(named: "amy"))
        #expect(stored.id == amy.id && stored.name == "amy" && stored.role == .moderator && stored.passwordHash == "$2b$04$hash-a")
        #expect(abs(stored.createdAt.timeIntervalSince(amy.createdAt)) < 0.002)
        #expect(amy.id > 0 && !amy.disabled && !stored.disabled)
        #expect(try await db.accounts().map(\.name) == ["admin", "amy"])
        #expect(try await db.account(named: "nobody") == nil)

        let now = Date()
        try await db.createSession(
            account: "amy", idHash: "old", csrfToken: "c0", expiresAt: now.addingTimeInterval(-1), replacing: nil, ip: nil,
            userAgent: nil)
        #expect(try await db.session(idHash: "old") == nil)  // expired
        try await db.createSession(
            account: "amy", idHash: "s1", csrfToken: "c1", expiresAt: now.addingTimeInterval(3600), replacing: nil,
            ip: "10.0.0.1", userAgent: "UA")
        let s1 = try #require(try await db.session(idHash: "s1"))
        #expect(s1.account == "amy" && s1.role == .moderator && s1.csrfToken == "c1")
        #expect(abs(s1.expiresAt.timeIntervalSince(now.addingTimeInterval(3600))) < 0.002)
        // A new login replaces the session the browser came with.
        try await db.createSession(
            account: "amy", idHash: "s2", csrfToken: "c2", expiresAt: now.addingTimeInterval(3600), replacing: "s1", ip: nil,
            userAgent: nil)
        #expect(try await db.session(idHash: "s1") == nil)
        #expect(try await db.session(idHash: "s2")?.csrfToken == "c2")
        #expect(try await db.session(idHash: "s2", now: now.addingTimeInterval(7200)) == nil)
        try await db.deleteSession(idHash: "s2")
        #expect(try await db.session(idHash: "s2") == nil)
        await #expect(throws: StoreError.noSuchAccount("bob")) {
            try await db.createSession(account: "bob", idHash: "s3", csrfToken: "c", expiresAt: now, replacing: nil, ip: nil, userAgent: nil)
        }

        try await db.createAPIToken(account: "admin", tokenHash: "t-hash", label: "EOC dashboard")
        #expect(try await db.account(tokenHash: "t-hash")?.name == "admin")
        #expect(try await db.account(tokenHash: "other") == nil)
        await #expect(throws: StoreError.noSuchAccount("bob")) { try await db.createAPIToken(account: "bob", tokenHash: "h", label: nil) }

        // A disabled account has no live session and no token.
        try await db.createSession(
            account: "admin", idHash: "s4", csrfToken: "c4", expiresAt: now.addingTimeInterval(3600), replacing: nil, ip: nil,
            userAgent: nil)
        #expect(try await db.session(idHash: "s4")?.role == .admin)
        try await db.write { tx in try await tx.execute("UPDATE account SET disabled = ? WHERE name = ?", [true, "admin"]) }
        #expect(try await db.account(named: "admin")?.disabled == true)
        #expect(try await db.session(idHash: "s4") == nil)
        #expect(try await db.account(tokenHash: "t-hash") == nil)
    }

    @Test(arguments: Backend.available) func loginFailuresLockAKeyForAWhile(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await db.recordLoginFailure(key: "amy|1.2.3.4", maxFailures: 3, window: 600, lockout: 900, now: t0) == nil)
        #expect(try await db.recordLoginFailure(key: "amy|1.2.3.4", maxFailures: 3, window: 600, lockout: 900, now: t0 + 10) == nil)
        #expect(try await db.loginLockedUntil(key: "amy|1.2.3.4", now: t0 + 11) == nil)
        let locked = try await db.recordLoginFailure(key: "amy|1.2.3.4", maxFailures: 3, window: 600, lockout: 900, now: t0 + 20)
        #expect(locked == t0 + 920)
        #expect(try await db.loginLockedUntil(key: "amy|1.2.3.4", now: t0 + 30) == t0 + 920)
        #expect(try await db.loginLockedUntil(key: "amy|1.2.3.4", now: t0 + 921) == nil)
        #expect(try await db.loginLockedUntil(key: "amy|5.6.7.8", now: t0 + 30) == nil)  // per account and address
        // Failures outside the window start a new count.
        #expect(try await db.recordLoginFailure(key: "bob|1", maxFailures: 2, window: 60, lockout: 60, now: t0) == nil)
        #expect(try await db.recordLoginFailure(key: "bob|1", maxFailures: 2, window: 60, lockout: 60, now: t0 + 61) == nil)
        #expect(try await db.recordLoginFailure(key: "bob|1", maxFailures: 2, window: 60, lockout: 60, now: t0 + 62) != nil)
        try await db.clearLoginFailures(key: "bob|1")
        #expect(try await db.loginLockedUntil(key: "bob|1", now: t0 + 63) == nil)
        #expect(try await db.recordLoginFailure(key: "bob|1", maxFailures: 2, window: 60, lockout: 60, now: t0 + 64) == nil)
    }

    /// Several servers counting failures for one key at once lose none (PostgreSQL locks the row).
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func concurrentLoginFailuresAreAllCounted() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        _ = try await AppDatabase(path: url)
        let now = Date()
        let result = await concurrently(8, url: url) { db in
            for _ in 0..<5 { try await db.recordLoginFailure(key: "k", maxFailures: 1000, window: 600, lockout: 60, now: now) }
            return []
        }
        #expect(result.errors.isEmpty, "\(result.errors)")
        // All 40 counted: the 41st failure is the one that locks at maxFailures 41.
        let db = try await AppDatabase(path: url)
        #expect(try await db.recordLoginFailure(key: "k", maxFailures: 41, window: 600, lockout: 60, now: now) != nil)
    }

    @Test(arguments: Backend.available) func claimsDecisionsAndTheAuditLog(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let ids = try await seed(db)
        let flood = ids["flood"]!, slide = ids["slide"]!
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))  // stored exactly on both
        let mine = try await db.lock(postID: flood, user: "mod", duration: 300, ip: "10.0.0.1", now: now)
        #expect(mine.user == "mod")
        // Someone else sees the holder's claim; the holder renews it without a second audit line.
        #expect(try await db.lock(postID: flood, user: "mod2", duration: 300, now: now + 1).user == "mod")
        #expect(try await db.lock(postID: flood, user: "mod", duration: 300, now: now + 2).until == now + 302)
        #expect(try await db.currentLock(postID: flood, now: now + 3)?.user == "mod")
        #expect(try await db.currentLock(postID: flood, now: now + 400) == nil)
        await #expect(throws: StoreError.noSuchPost(99999)) { try await db.lock(postID: 99999, user: "mod", duration: 60) }
        #expect(try await db.auditEntries(action: "claim", postId: flood).map(\.actor) == ["mod"])
        #expect(try await db.auditEntries(action: "claim").first?.ip == "10.0.0.1")

        // The queue shows who holds an item.
        let row = try #require(try await db.queuePage(QueueFilter(), now: now + 5).rows.first { $0.item.id == flood })
        #expect(row.lock?.user == "mod")

        // A decision by someone else is refused while the claim lives, and writes nothing.
        let approve = WebDecision(decision: .approve, note: "已確認", channels: ["feed"], publicText: "【已查證】汐止淹水")
        await #expect(throws: StoreError.claimedByOther(post: flood, user: "mod", until: now + 302)) {
            try await db.decide(postID: flood, approve, by: "mod2", now: now + 10)
        }
        #expect(try await db.reviews(postID: flood).isEmpty)
        let review = try await db.decide(postID: flood, approve, by: "mod", ip: "10.0.0.1", now: now + 20)
        #expect(review.decision == "approve" && review.reviewer == "mod")
        #expect(try await db.item(id: flood).state == "approved")
        #expect(try await db.currentLock(postID: flood, now: now + 21) == nil)  // released
        let detail = try await db.itemDetail(id: flood, now: now + 22)
        #expect(detail.publicText == "【已查證】汐止淹水")
        #expect(detail.reviews.map(\.decision) == ["approve"])
        #expect(detail.publications.map(\.channel) == ["feed"])
        #expect(detail.publications.first?.status == "pending")
        #expect(detail.audit.map(\.action) == ["claim", "approve"])
        let line = try #require(detail.audit.last)
        #expect(line.before == "{\"state\":\"queued\"}")
        #expect(line.after == "{\"channels\":[\"feed\"],\"note\":\"已確認\",\"publicText\":\"【已查證】汐止淹水\",\"state\":\"approved\"}")
        await #expect(throws: StoreError.invalidTransition(post: flood, from: "approved", decision: "reject")) {
            try await db.decide(postID: flood, WebDecision(decision: .reject, reason: .spam), by: "mod")
        }
        // Wording equal to the post's own text is not an edit.
        let same = try await db.decide(postID: slide, WebDecision(decision: .approve, channels: [], publicText: " 那瑪夏區台21線土石流 "), by: "mod2")
        #expect(try await db.itemDetail(id: slide).publicText == nil && same.decision == "approve")
        try await db.decide(postID: ids["rumour"]!, WebDecision(decision: .reject, reason: .rumour, note: "假訊息"), by: "mod2")
        #expect(try await db.reviews(postID: ids["rumour"]!).first?.reason == "rumour")

        try await db.audit(actor: "cli:root", action: "user_add", after: "{\"name\":\"x\"}")
        #expect(try await db.auditEntries(limit: 1).first?.action == "user_add")  // newest first
        #expect(try await db.auditEntries(actor: "mod2").map(\.action) == ["reject", "approve"])
        #expect(try await db.auditEntries(limit: 2, offset: 1).map(\.action) == ["reject", "approve"])
        #expect(try await db.auditEntries(limit: nil).count == 5)
        #expect(try await db.auditEntries(postId: flood).count == 2)
    }

    @Test(arguments: Backend.available) func mergeJoinsTheTargetsCluster(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let ids = try await seed(db)
        let rumour = ids["rumour"]!, slide = ids["slide"]!, chatter = ids["chatter"]!
        await #expect(throws: StoreError.invalidMerge(post: rumour, into: rumour)) { try await db.merge(postID: rumour, into: rumour, by: "mod") }
        await #expect(throws: StoreError.noSuchPost(99999)) { try await db.merge(postID: rumour, into: 99999, by: "mod") }
        try await db.lock(postID: rumour, user: "mod2", duration: 300)
        await #expect(throws: (any Error).self) { try await db.merge(postID: rumour, into: slide, by: "mod") }
        try await db.merge(postID: rumour, into: slide, by: "mod2", ip: "10.1.1.1")
        let merged = try await db.item(id: rumour)
        #expect(merged.duplicateOf == slide && merged.state == "rejected")
        #expect(try await db.item(id: slide).clusterSize == 2)
        #expect(try await db.reviews(postID: rumour).first?.reason == "duplicate")
        #expect(try await db.itemDetail(id: slide).cluster.map(\.id) == [rumour])
        // Merging into a duplicate joins its head's cluster; a head cannot join its own duplicate.
        try await db.merge(postID: chatter, into: rumour, by: "mod")
        #expect(try await db.item(id: chatter).duplicateOf == slide)
        #expect(try await db.item(id: slide).clusterSize == 3)
        await #expect(throws: StoreError.invalidMerge(post: slide, into: rumour)) {
            try await db.merge(postID: slide, into: rumour, by: "mod")
        }
        let audit = try await db.auditEntries(action: "merge", postId: rumour)
        #expect(audit.first?.before == "{\"duplicateOf\":null,\"state\":\"queued\"}")
        #expect(audit.first?.after == "{\"duplicateOf\":\(slide),\"state\":\"rejected\"}")
        #expect(!(try await db.queuePage(QueueFilter()).rows.map(\.item.id)).contains(rumour))
    }

    @Test(arguments: Backend.available) func queueFiltersPagesAndCounts(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        let ids = try await seed(db)
        func list(_ f: QueueFilter) async throws -> [String] {
            let names = Dictionary(uniqueKeysWithValues: ids.map { ($1, $0) })
            return try await db.queuePage(f).rows.map { names[$0.item.id]! }
        }
        #expect(try await list(QueueFilter()) == ["slide", "flood", "rumour", "power", "chatter"])
        #expect(try await list(QueueFilter(type: "flood")) == ["flood"])
        #expect(try await list(QueueFilter(type: "road_blocked")) == ["slide"])
        #expect(try await list(QueueFilter(county: "新北市")) == ["flood"])
        #expect(try await list(QueueFilter(county: "花蓮縣")) == ["power"])  // a county-level place
        #expect(try await list(QueueFilter(source: "board")) == ["power", "chatter"])
        #expect(try await list(QueueFilter(from: Self.base + 25 * 60, to: Self.base + 45 * 60)) == ["rumour", "power"])
        #expect(try await list(QueueFilter(type: "flood", county: "高雄市")).isEmpty)
        let page1 = try await db.queuePage(QueueFilter(pageSize: 2))
        let page3 = try await db.queuePage(QueueFilter(page: 3, pageSize: 2))
        #expect(page1.rows.count == 2 && page1.hasNext)
        #expect(page3.rows.map(\.item.id) == [ids["chatter"]!] && !page3.hasNext)
        #expect(page1.rows.first?.item.assessment?.places.first?.county == "高雄市")
        #expect(page1.rows.first?.item.priority == 1.5)

        // Cross-reference verdicts.
        let result = XrefResult(verdict: .contradicted, score: 0.9, matches: [], knownRumour: nil, explanation: [XrefNote("xref.text", ["text": "人事行政總處：照常上班"])])
        try await db.saveCrossReferences([(ids["rumour"]!, result, 0.9)], evidence: try await db.evidenceVersion())
        #expect(try await list(QueueFilter(verdict: "contradicted")) == ["rumour"])
        #expect(try await list(QueueFilter(verdict: "none")) == ["slide", "flood", "power", "chatter"])
        let xref = try #require(try await db.queuePage(QueueFilter(verdict: "contradicted")).rows.first?.xref)
        #expect(xref.verdict == "contradicted" && xref.score == 0.9)
        #expect(xref.explanation?.contains("照常上班") == true)

        try await db.review(postID: ids["power"]!, decision: .escalate, reviewer: "x", note: nil, channels: [])
        #expect(try await list(QueueFilter(state: .escalated)) == ["power"])
        #expect(try await list(QueueFilter(state: .queued)) == ["slide", "flood", "rumour", "chatter"])
        let summary = try await db.queueSummary()
        #expect(summary.open == 5 && summary.queued == 4 && summary.escalated == 1)
        #expect(summary.latestID == ids.values.max())
        #expect(try await db.sourceNames() == ["board", "news", "voices"])
        await #expect(throws: StoreError.noSuchPost(99999)) { try await db.itemDetail(id: 99999) }
        let (incident, postSearch, nothing) = (try await db.tableExists("incident"), try await db.tableExists("postSearch"), try await db.tableExists("nothing"))
        #expect(incident && postSearch && !nothing)
    }

    @Test(arguments: Backend.available) func dashboardCountsPerHourTypeCountyAndReviewer(_ backend: Backend) async throws {
        let db = try #require(try await open(backend))
        var seeds = Self.seeds
        seeds.append(Seed(id: "late", text: "汐止又淹水", minutes: 70, priority: 1, types: ["flood"],
                          places: [PlaceMention(surface: "汐止區", name: "汐止區", level: "township", county: "新北市")]))
        let ids = try await seed(db, seeds)
        try await db.review(postID: ids["slide"]!, decision: .approve, reviewer: "mod", note: nil, channels: ["feed"])
        try await db.review(postID: ids["power"]!, decision: .escalate, reviewer: "mod2", note: nil, channels: [])
        try await db.review(postID: ids["chatter"]!, decision: .reject, reviewer: "mod", note: nil, channels: [], reason: .notDisaster)
        let stats = try await db.dashboardStats(hours: 3, topSeries: 2)
        // Hours (UTC-aligned) up to the newest post at 23:10 Taipei: 21:00, 22:00 and 23:00.
        #expect(stats.byType.hours == [Self.base - 3600, Self.base, Self.base + 3600])
        #expect(stats.byType.series.map(\.name) == ["flood", "landslide", "其他"])
        #expect(stats.byType.series.map(\.counts) == [[0, 1, 1], [0, 1, 0], [0, 3, 0]])
        #expect(stats.byCounty.series.map(\.name) == ["—", "新北市", "其他"])
        #expect(stats.byCounty.series.map(\.counts) == [[0, 2, 0], [0, 1, 1], [0, 2, 0]])
        #expect(stats.queued == 3 && stats.escalated == 1)
        #expect(stats.oldestQueued != nil)
        #expect((0..<60).contains(stats.averageQueuedAge ?? -1))  // fetched just now
        #expect(stats.decisions.map(\.reviewer) == ["mod", "mod2"])
        #expect(stats.decisions.first?.counts == ["approve": 1, "reject": 1])
        #expect(stats.communityPublished == 1)
        #expect(stats.officialAnnouncements == 0)
    }

    // MARK: Search

    /// Posts' tokens as the web app's SearchIndex writes them (space-joined tokenizer tokens), and FTS5 MATCH
    /// expressions as it writes them and beyond (FTS5's own grammar).
    static let documents: [(key: String, tokens: String)] = [
        ("slide", "高雄市 那瑪夏區 台21線 土石流 警戒 土石 流"),
        ("flood", "汐止 康寧街 淹水 受困 二樓 汐止小陳"),
        ("rumour", "網傳 明天全台停班停課 明天 全台 停班 停課 轉傳"),
        ("quake", "3.5 級 地震 café covid-19 e\u{301}cole"),
        ("latin", "école straße ǆemal ς i̇stanbul µg"),
        ("emoji", "🌀 颱風 🆘 a_b c'd"),
        ("thai", "กันยา ภาษาไทย"),
        ("empty", ""),
    ]

    static let queries: [(match: String, expected: [String]?)] = [
        ("\"土石流\"*", ["slide"]),
        ("\"土石\"*", ["slide"]),
        ("\"土石 流\"", ["slide"]),
        ("\"流 土石\"", []),
        ("\"淹水\"* AND \"汐止\"*", ["flood"]),
        ("\"淹水\"* OR \"地震\"*", ["flood", "quake"]),
        ("(\"停班停課\"* OR \"停班 停課\"*)", ["rumour"]),
        ("\"停班 停課\"", ["rumour"]),
        ("\"停課 停班\"", []),
        ("\"3.5\"*", ["quake"]),
        ("\"3 5\"", ["quake"]),
        ("\"5\"*", ["quake"]),
        ("\"cafe\"", ["quake"]),
        ("\"café\"*", ["quake"]),
        ("\"covid-19\"", ["quake"]),
        ("\"19\"", ["quake"]),
        ("\"ecole\"", ["quake", "latin"]),
        ("\"ÉCOLE\"", ["quake", "latin"]),
        ("\"strasse\"", []),
        ("\"straße\"", ["latin"]),
        ("\"σ\"", ["latin"]),
        ("\"istanbul\"", ["latin"]),
        ("\"μg\"", ["latin"]),
        ("\"ǅemal\"", ["latin"]),
        ("\"🌀\"*", []),
        ("\"🌀\"* AND \"颱風\"*", []),
        ("\"🌀\"* OR \"颱風\"*", ["emoji"]),
        ("\"🌀\" \"颱風\"", ["emoji"]),
        ("\"颱風\" NOT \"🌀\"", ["emoji"]),
        ("\"🌀\" NOT \"颱風\"", []),
        ("\"\u{1}\"", []),
        ("\"a\"", ["emoji"]),
        ("\"c d\"", ["emoji"]),
        ("a_b", ["emoji"]),
        ("\"นยา\"", ["thai"]),
        ("\"ภาษาไทย\"", ["thai"]),
        ("\"ภาษาไทย\"*", ["thai"]),
        ("\"ภ\"", []),
        ("\"ก\"", ["thai"]),
        ("台21線*", ["slide"]),
        ("\"台21\"*", ["slide"]),
        ("\"21\"", []),
        ("淹水 OR 地震 級", ["flood", "quake"]),
        ("淹水 NOT 汐止 OR 地震", ["quake"]),
        ("汐止 NOT 受困 淹水", []),
        ("汐止 NOT 受困 AND 淹水", []),
        ("網傳 + 明天*", ["rumour"]),
        ("\"明天\" + \"全台\" + \"停班\"", ["rumour"]),
        ("(淹水 OR 土石流) AND (高雄市 OR 康寧街)", ["slide", "flood"]),
        ("\"土石流\"\"\"", ["slide"]),
        ("and", []),
        ("汐止 NOT 淹水 OR 颱風 NOT 🆘", ["emoji"]),
    ]

    /// Index the documents on `db`; return key → post id.
    func indexDocuments(_ db: AppDatabase) async throws -> [String: Int64] {
        let source = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://s.example/")])["s"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://s.example/"),
            posts: Self.documents.map { ExtractedPost(externalID: $0.key, text: "text of \($0.key)") })
        let posts = try await db.postsToAssess()
        try await db.saveAssessments(posts.map { ($0.id, Assessment(disaster: 0.5, rumour: 0.1, types: [], places: [], reasons: [], model: "t"), 1.0) })
        let toIndex = try await db.postsToIndex(limit: 100)
        #expect(toIndex.count == Self.documents.count)
        #expect(toIndex.first?.text == "text of slide")
        let keyOf = Dictionary(uniqueKeysWithValues: posts.map { ($0.id, String($0.text.dropFirst("text of ".count))) })
        let tokens = Dictionary(uniqueKeysWithValues: Self.documents.map { ($0.key, $0.tokens) })
        try await db.indexPosts(toIndex.map { ($0.id, tokens[keyOf[$0.id]!]!) })
        #expect(try await db.postsToIndex().isEmpty)
        return Dictionary(uniqueKeysWithValues: posts.map { (keyOf[$0.id]!, $0.id) })
    }

    func search(_ db: AppDatabase, _ match: String, _ ids: [String: Int64]) async throws -> [String] {
        let names = Dictionary(uniqueKeysWithValues: ids.map { ($1, $0) })
        return try await db.queuePage(QueueFilter(match: match, pageSize: 100)).rows.map { names[$0.item.id]! }.sorted()
    }

    /// Every query finds the same posts on PostgreSQL as FTS5 finds on SQLite (and what each is meant to find).
    @Test func searchFindsTheSamePostsOnBothBackends() async throws {
        let sqlite = try await AppDatabase(path: dir.path("search.sqlite"))
        let sqliteIDs = try await indexDocuments(sqlite)
        var postgres: AppDatabase? = nil
        if let url = try await TestPostgres.freshDatabase(#function) { postgres = try await AppDatabase(path: url) }
        var postgresIDs: [String: Int64]? = nil
        if let postgres { postgresIDs = try await indexDocuments(postgres) }
        for (match, expected) in Self.queries {
            let found = try await search(sqlite, match, sqliteIDs)
            if let expected { #expect(found == expected.sorted(), "SQLite: \(match)") }
            if let postgres, let postgresIDs {
                #expect(try await search(postgres, match, postgresIDs) == found, "PostgreSQL: \(match)")
            }
        }
        // Both refuse what is not an FTS5 expression.
        for bad in ["\"unterminated", "a)", "NOT a", "a AND"] {
            await #expect(throws: StoreError.self, "SQLite: \(bad)") { try await sqlite.queuePage(QueueFilter(match: bad)) }
            if let postgres { await #expect(throws: StoreError.self, "PostgreSQL: \(bad)") { try await postgres.queuePage(QueueFilter(match: bad)) } }
        }
    }

    /// With several workers, a post can commit after a later one was indexed: PostgreSQL still finds it.
    @Test(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.unavailable))) func postgresIndexesAPostThatCommittedLate() async throws {
        let url = try #require(try await TestPostgres.freshDatabase(#function))
        let db = try await AppDatabase(path: url)
        let source = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://s.example/")])["s"]!
        try await db.recordFetch(
            DocumentRecord(sourceId: source, url: "https://s.example/"),
            posts: (1...3).map { ExtractedPost(externalID: "p\($0)", text: "淹水 \($0)") })
        let all = try await db.postsToIndex()
        #expect(all.count == 3)
        try await db.indexPosts([(all[2].id, "淹水 3")])  // the newest first
        #expect(try await db.postsToIndex().map(\.id) == [all[0].id, all[1].id])
        try await db.indexPosts(all.prefix(2).map { ($0.id, "淹水") })
        #expect(try await db.postsToIndex().isEmpty)
        // Indexing again replaces the terms.
        try await db.indexPosts([(all[0].id, "土石流")])
        await #expect(try TestPostgres.psql(url, "SELECT lexemes FROM postSearch WHERE rowid = \(all[0].id)") == "'土石流':1")
        // Only the newest ids are looked at each time; a sweep looks at all of them.
        _ = try await TestPostgres.psql(
            url,
            "INSERT INTO post (sourceId, externalID, fetchedAt, text) SELECT \(source), 'g' || i, now(), 'x' FROM generate_series(1, 10100) AS i")
        let newest = try await #require(Int64(try TestPostgres.psql(url, "SELECT MAX(id) FROM post")))
        try await db.indexPosts([(newest, "x")])
        let window = try await db.postsToIndex(limit: 1)
        #expect(window.first?.id == newest - Int64(AppDatabase.searchLookback) + 1)
        #expect(try await db.postsToIndex(limit: 1, sweep: true).first?.id == all[2].id + 1)
    }

    // MARK: FTS5 emulation

    /// PostgreSQL's terms are FTS5's: every code point up to U+2FFFF (and the tag and private-use planes' first
    /// ones), between two letters, splits, folds or stays exactly as SQLite's FTS5 `unicode61` does it.
    @Test func unicode61EmulationMatchesSQLiteForEveryCodePoint() async throws {
        let (mismatches, strings) = try Self.compareWithFTS5()
        #expect(mismatches.isEmpty, "\(mismatches.count) code points differ, e.g. \(mismatches.prefix(10))")
        #expect(strings.count == 4)
        for s in strings { #expect(s.emulation == s.fts5, "\(s.text)") }
    }

    /// Code points whose terms differ, and longer strings (several separators, diacritics that fold away, a token
    /// of diacritics alone) as FTS5 and the emulation split them.
    static func compareWithFTS5() throws -> (mismatches: [String], strings: [(text: String, fts5: [String], emulation: [String])]) {
        let queue = try DatabaseQueue()
        var points = Array(0x01..<0xD800) + Array(0xE000..<0x30000)
        points += Array(0xE0000..<0xE0200) + Array(0xF0000..<0xF0100)
        let mismatches: [String] = try queue.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE s USING fts5(tokens, tokenize = 'unicode61')")
            try db.execute(sql: "CREATE VIRTUAL TABLE v USING fts5vocab(s, 'instance')")
            let insert = try db.makeStatement(sql: "INSERT INTO s (rowid, tokens) VALUES (?, ?)")
            for p in points { try insert.execute(arguments: [p, "x" + String(Unicode.Scalar(UInt32(p))!) + "X"]) }
            var terms: [Int: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT doc, term FROM v ORDER BY doc, offset") {
                terms[row["doc"], default: []].append(row["term"])
            }
            var bad: [String] = []
            for p in points {
                let mine = FullTextSearch.terms("x" + String(Unicode.Scalar(UInt32(p))!) + "X")
                if mine != terms[p, default: []] { bad.append(String(format: "U+%04X: FTS5 %@, emulation %@", p, "\(terms[p, default: []])", "\(mine)")) }
            }
            return bad
        }
        var strings: [(text: String, fts5: [String], emulation: [String])] = []
        for text in ["Hello, World! 3.5km", "e\u{301}\u{301}cole  \u{301} 土石流。淹水", "a\u{20DD}b", "ǅ Ǆ ǆ İ ẞ"] {
            let fts5: [String] = try queue.write { db in
                try db.execute(sql: "DELETE FROM s")
                try db.execute(sql: "INSERT INTO s (rowid, tokens) VALUES (1, ?)", arguments: [text])
                return try String.fetchAll(db, sql: "SELECT term FROM v ORDER BY offset")
            }
            strings.append((text, fts5, FullTextSearch.terms(text)))
        }
        return (mismatches, strings)
    }

    @Test func matchExpressionsBecomeTsqueries() throws {
        #expect(try FullTextSearch.tsquery("\"土石流\"*") == "'土石流':*")
        #expect(try FullTextSearch.tsquery("\"停班 停課\"*") == "('停班' <-> '停課':*)")
        #expect(try FullTextSearch.tsquery("a b OR c NOT d AND e") == "(('a' & 'b') | (('c' & !'d') & 'e'))")
        #expect(try FullTextSearch.tsquery("\"🌀\"* AND x") == nil)
        #expect(try FullTextSearch.tsquery("\"🌀\"* OR x") == "'x'")
        #expect(try FullTextSearch.tsquery("\"\u{1}\"") == nil)
        #expect(try FullTextSearch.tsquery("\"3.5\"") == "('3' <-> '5')")
        #expect(FullTextSearch.tsvector("3.5 級 c'd") == "'3':1 '5':2 '級':3 'c':4 'd':5")
        #expect(throws: StoreError.self) { try FullTextSearch.tsquery("NEAR(a b)") }
        #expect(throws: StoreError.self) { try FullTextSearch.tsquery("tokens: a") }
        #expect(throws: StoreError.self) { try FullTextSearch.tsquery("^a") }
        #expect(throws: StoreError.self) { try FullTextSearch.tsquery("(a) b") }
    }
}
