import Foundation
import Imaging
import TestSupport
import Testing

/// Folded for comparing OCR output with what was rendered: NFKC, no spaces or punctuation.
func folded(_ s: String) -> [Character] {
    Array(s.precomposedStringWithCompatibilityMapping.filter { !$0.isWhitespace && !$0.isPunctuation && !$0.isSymbol })
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    var prev = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var cur = [i + 1] + [Int](repeating: 0, count: b.count)
        for (j, y) in b.enumerated() { cur[j + 1] = min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (x == y ? 0 : 1)) }
        prev = cur
    }
    return prev[b.count]
}

@Suite(.serialized) struct CheckCLITests {
    let rumour = "網傳明天新北市停班停課，市府表示並未發布任何停班停課消息，請以人事行政總處公告為準"

    func sieve(_ dir: TempDir, _ args: [String], stdin: String? = nil) async throws -> ProcessResult {
        try await runProcess(TestPaths.sieveBinary, args + ["--database", dir.path("s.sqlite")], cwd: dir.url, stdin: stdin, timeout: 120)
    }

    func json(_ r: ProcessResult) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
    }

    @Test func textTipsGetTheKnownVerdict() async throws {
        let dir = TempDir()
        var r = try await sieve(dir, ["rumours", "add", "--note", "人事行政總處與新北市政府都沒有發布停班停課", rumour])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rumour #1 added"))
        // The same claim, forwarded with a few words changed.
        r = try await sieve(dir, ["check", "網傳明天新北市停班停課!!市府表示並未發布任何停班停課消息 請以人事行政總處公告為準 快轉傳"])
        #expect(r.status == 0, "\(r.stderr)")
        var o = json(r)
        #expect(o["verdict"] as? String == "rumour", "\(r.stdout)")
        let matches = o["matches"] as? [[String: Any]] ?? []
        #expect(matches.first?["id"] as? String == "rumour:1")
        #expect(matches.first?["kind"] as? String == "known_rumour")
        #expect((o["answer"] as? [String])?.first == "這是已查證的不實訊息，請不要轉傳。")
        #expect(o["note"] as? String == "人事行政總處與新北市政府都沒有發布停班停課")
        // In Vietnamese: the verdict from the catalogue, the note as written and labelled.
        r = try await sieve(dir, ["check", "--lang", "vi", "-"], stdin: rumour)
        o = json(r)
        let answer = o["answer"] as? [String] ?? []
        #expect(answer.first == "Tin này đã được kiểm chứng là sai. Xin đừng chuyển tiếp.", "\(answer)")
        #expect(answer.contains { $0.hasPrefix("Ghi chú (nguyên văn tiếng Trung)") })
        // Something nobody has checked.
        r = try await sieve(dir, ["check", "今天下午社區活動中心有義剪，歡迎長輩參加"])
        o = json(r)
        #expect(o["verdict"] as? String == "unverified", "\(r.stdout)")
        #expect((o["matches"] as? [Any])?.isEmpty == true)
    }

    @Test func officialNoticesAnswerClosureRumours() async throws {
        let dir = TempDir()
        _ = dir.write("closures.csv", "縣市,日期,狀態\n臺北市,2026-09-15,照常上班、照常上課\n新北市,2026-09-15,停止上班、停止上課\n")
        var r = try await sieve(dir, ["incidents", "import", "--format", "closures", "closures.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        // The evening before: Taipei works tomorrow, so "Taipei closes tomorrow" is contradicted…
        r = try await sieve(dir, ["check", "--now", "2026-09-14T21:30:00+08:00", "網傳明天臺北市停班停課，大家快轉傳"])
        #expect(r.status == 0, "\(r.stderr)")
        var o = json(r)
        #expect(o["verdict"] as? String == "contradicted", "\(r.stdout)")
        let first = (o["matches"] as? [[String: Any]])?.first
        #expect(first?["kind"] as? String == "incident" && first?["incident_kind"] as? String == "closure")
        #expect(first?["id"] as? String == "臺北市 2026-09-15")
        #expect((o["answer"] as? [String])?.first == "官方資料與這則訊息不符，請以政府公告為準。")
        // …and New Taipei's closure is corroborated, answered in English.
        r = try await sieve(dir, ["check", "--lang", "en", "--now", "2026-09-14T21:30:00+08:00", "新北市明天停班停課"])
        o = json(r)
        #expect(o["verdict"] as? String == "corroborated", "\(r.stdout)")
        #expect((o["answer"] as? [String])?.first == "This matches official information or a verified report.")
        r = try await sieve(dir, ["check", "--now", "yesterday", "x"])
        #expect(r.status == 2 && r.stderr.contains("--now"))
    }

    @Test func picturesAreRecognisedWhenReshared() async throws {
        let dir = TempDir()
        // A photo without text: stored by its hash; the same photo re-shared small, as JPEG, framed, is the rumour.
        let canvas = Canvas(width: 480, height: 360, seed: 77)
        try canvas.image.encoded(as: .png).write(to: dir.url.appendingPathComponent("photo.png"))
        var r = try await sieve(dir, ["rumours", "add", "--image", "photo.png", "--note", "這是 2019 年國外的照片，不是今天的淹水"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("picture 480×360"), "\(r.stdout)")
        try canvas.framed().encoded(as: .jpeg(quality: 40)).write(to: dir.url.appendingPathComponent("forwarded.jpg"))
        r = try await sieve(dir, ["check", "--image", "forwarded.jpg"])
        #expect(r.status == 0, "\(r.stderr)")
        var o = json(r)
        #expect(o["verdict"] as? String == "rumour", "\(r.stdout)")
        let first = (o["matches"] as? [[String: Any]])?.first
        #expect(first?["kind"] as? String == "rumour_image")
        #expect(first?["id"] as? String == "rumour:1")
        #expect(o["image_hash"] as? String != nil)
        // Another photo is not that rumour.
        try Canvas(width: 480, height: 360, seed: 78).image.encoded(as: .png).write(to: dir.url.appendingPathComponent("other.png"))
        r = try await sieve(dir, ["check", "--image", "other.png"])
        o = json(r)
        #expect(o["verdict"] as? String == "unverified", "\(r.stdout)")
    }

    @Test func badPicturesNameTheFile() async throws {
        let dir = TempDir()
        _ = try await sieve(dir, ["rumours", "add", "--note", "n", rumour])
        _ = dir.write("notes.txt", "not a picture at all")
        var r = try await sieve(dir, ["check", "--image", "notes.txt"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("notes.txt: not a PNG, JPEG, GIF, WebP, TIFF, BMP or PNM image"), "\(r.stderr)")
        try claimedPNG(width: 60_000, height: 60_000).write(to: dir.url.appendingPathComponent("bomb.png"))
        r = try await sieve(dir, ["check", "--image", "bomb.png"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bomb.png: a PNG of 60000 x 60000 pixels"), "\(r.stderr)")
        r = try await sieve(dir, ["check", "--image", "missing.png"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("missing.png"), "\(r.stderr)")
        r = try await sieve(dir, ["rumours", "add", "--note", "  ", "x"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--note"), "\(r.stderr)")
    }

    @Test(.enabled(if: Renderer.available, "needs .venv (make pyenv: Pillow) and Noto CJK fonts (make deps)"))
    func screenshotsAreReadAndMatched() async throws {
        let dir = TempDir()
        // A chat screenshot of the rumour: OCR reads it, and the text matches the known rumour.
        try await Renderer.render(["chat", rumour, "--font", "noto-sans", "--size", "28", "--out", dir.path("chat.png"), "--seed", "4"])
        _ = try await sieve(dir, ["rumours", "add", "--note", "沒有停班停課", rumour])
        let r = try await sieve(dir, ["check", "--image", "chat.png"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = json(r)
        let ocr = o["ocr_text"] as? String ?? ""
        let truth = folded(rumour), read = folded(ocr)
        // The screenshot also shows a clock and a group name: compare with the message's part of the reading.
        let best = (0...max(0, read.count - truth.count)).map { editDistance(truth, Array(read[$0...])) }.min() ?? truth.count
        let accuracy = 1 - Double(best) / Double(truth.count)
        #expect(accuracy >= 0.9, "OCR read \(ocr)")
        #expect(o["verdict"] as? String == "rumour", "\(r.stdout)")
        #expect((o["matches"] as? [[String: Any]])?.first?["kind"] as? String == "known_rumour")
    }
}
