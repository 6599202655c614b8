import Foundation
import SieveCore
import Store
import Testing
import TestSupport

/// `sieve train`, `sieve eval`, `sieve classify` and learning from reviews, through the executable.
@Suite("Classifier commands", .serialized)
struct ClassifierCLITests {
    let dir = TempDir()
    var sieve: URL { TestPaths.sieveBinary }

    func run(_ args: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await runProcess(sieve, args, cwd: TestPaths.packageRoot, stdin: stdin)
    }

    @Test func classifyPrintsOneJSONObjectPerLine() async throws {
        let input = [
            "新北市汐止區康寧街137號淹水及腰，一家5口受困二樓，今晚十點還在等救援",
            "【緊急通知】網傳明天全台停班停課！！快分享給家人",
            "今晚味全龍對樂天桃猿延賽啦，只好在家追劇",
        ].joined(separator: "\n")
        let r = try await run(["classify", "--input", "-", "--now", "2026-09-14T20:00:00+08:00"], stdin: input)
        #expect(r.status == 0, Comment(rawValue: r.stderr))
        let lines = r.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 3)
        for l in lines {
            for key in ["disaster", "rumour", "type", "places", "reasons", "times", "people"] { #expect(l?[key] != nil, "\(key)") }
        }
        let report = try #require(lines[0]), rumour = try #require(lines[1]), chatter = try #require(lines[2])
        #expect((report["disaster"] as? Double ?? 0) > 0.8)
        #expect((rumour["rumour"] as? Double ?? 0) > 0.8)
        #expect((chatter["disaster"] as? Double ?? 1) < 0.3)
        #expect((chatter["rumour"] as? Double ?? 1) < 0.3)
        #expect((report["model"] as? String ?? "").hasPrefix("nb-v5"), "the shipped models are used")
    }

    @Test func badInputGivesSensibleAssessments() async throws {
        var garbage = Data((0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 73) })
        garbage.append(contentsOf: [0xFF, 0xFE, 0xC3, 0x28, 0x0A])
        let path = dir.path("garbage.txt")
        try garbage.write(to: URL(fileURLWithPath: path))
        let big = dir.write("big.txt", String(repeating: "颱風天停電淹水土石流", count: 100_000) + "\n混合 English 和 简体 字 🌀 #颱風 @someone https://e.org/x\n")
        for input in [path, big] {
            let r = try await run(["classify", "--input", input])
            #expect(r.status == 0, Comment(rawValue: r.stderr))
            for line in r.stdout.split(separator: "\n") {
                let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let d = obj["disaster"] as? Double ?? -1
                #expect(d >= 0 && d <= 1)
            }
        }
        let empty = try await run(["classify", "--input", "-"], stdin: "")
        #expect(empty.status == 0)
        #expect(empty.stdout.isEmpty)
    }

    @Test func trainEvalAndModelFiles() async throws {
        let data = TestPaths.packageRoot.appendingPathComponent("Corpus/train/rumour.tsv").path
        let model = dir.path("m/rumour.nbm")
        let t = try await run(["train", "--task", "rumour", "--data", data, "--out", model])
        #expect(t.status == 0, Comment(rawValue: t.stderr))
        #expect(t.stdout.contains("5-fold cross-validation: accuracy"))
        let e = try await run(["eval", "--task", "rumour", "--data", data, "--folds", "3", "--json"])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        for key in ["accuracy", "macro_f1", "per_class", "confusion"] { #expect(obj[key] != nil) }
        let bad = try await run(["eval", "--task", "rumour", "--data", data, "--text-col", "body"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("rumour.tsv:1: no column \"body\""))
        // The rumour task trains logistic regression; the model options are checked before anything is read.
        #expect(t.stdout.contains("trained rumour (logistic regression, C 0.3"), Comment(rawValue: t.stdout))
        for (option, value, message) in [
            ("--regularization", "0", "--regularization must be a number > 0"),
            ("--class-weight-power", "2", "--class-weight-power must be between 0 and 1"),
            ("--cue-weight", "-1", "--cue-weight must be a number ≥ 0"),
        ] {
            let r = try await run(["train", "--task", "type", "--data", data, "--out", dir.path("x.nbm"), "\(option)=\(value)"])
            #expect(r.status == 2 && r.stderr.contains(message), Comment(rawValue: r.stderr))
        }
        // A truncated model is refused with a clear message.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir.path("m/disaster.nbm")))
        let c = try await run(["classify", "--model", dir.path("m"), "--input", "-"], stdin: "測試\n")
        #expect(c.status == 2)
        #expect(c.stderr.contains("disaster.nbm: truncated or corrupt"))
    }

    @Test func retrainingFromReviewsComparesBeforeSwapping() async throws {
        let dbPath = dir.path("r.sqlite")
        let db = try await AppDatabase(path: dbPath)
        let ids = try await db.syncSources([SourceConfig(name: "s", kind: .rss, url: "https://e.org/")])
        let rumours = (0..<12).map { "網傳明天全台停班停課第\($0)版，快分享給親友，內部消息已證實" }
        let credible = (0..<12).map { "人事行政總處公告：第\($0)區明天照常上班上課，請以官網為準" }
        let posts = (rumours + credible).enumerated().map { ExtractedPost(externalID: "p\($0.offset)", text: $0.element) }
        try await db.recordFetch(DocumentRecord(sourceId: ids["s"]!, url: "https://e.org/"), posts: posts)
        let toAssess = try await db.postsToAssess()
        try await db.saveAssessments(toAssess.map { ($0.id, Assessment(disaster: 0.5, rumour: 0.5, types: [], places: [], reasons: [], model: "t"), 0.5) })
        for p in toAssess {
            let isRumour = p.text.hasPrefix("網傳")
            try await db.review(
                postID: p.id, decision: isRumour ? .reject : .approve, reviewer: "m", note: nil, channels: [],
                reason: isRumour ? .rumour : nil)
        }
        let out = dir.path("rumour.nbm")
        let first = try await run(["train", "--task", "rumour", "--from-reviews", "--database", dbPath, "--out", out])
        #expect(first.status == 0, Comment(rawValue: first.stdout + first.stderr))
        #expect(first.stdout.contains("24 review example(s)"))
        // A rumour model retrained from reviews is calibrated and keeps its flag band (待查證).
        #expect(first.stdout.contains("flagged (待查證) from"), Comment(rawValue: first.stdout))
        #expect(FileManager.default.fileExists(atPath: out))
        let second = try await run(["train", "--task", "rumour", "--from-reviews", "--database", dbPath, "--out", out])
        #expect(second.stdout.contains("held-out accuracy"))
        #expect(second.stdout.contains("→"), Comment(rawValue: second.stdout))
    }
}
