import Foundation
import SieveCore

extension DrillReport {
    /// A self-contained page (no script, no external files) a trainer can open or print: the scores, the charts
    /// (inline SVG), the mistakes.
    public func html() -> String {
        let h = Markup.html
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "–" : String(format: "%.0f%%", Double(a) / Double(b) * 100) }
        func secs(_ s: Double?) -> String { s.map { $0 < 120 ? String(format: "%.0f 秒", $0) : String(format: "%.1f 分", $0 / 60) } ?? "–" }
        var out = """
            <!DOCTYPE html>
            <html lang="zh-Hant">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>演習檢討報告：\(h(title))</title>
            <style>
            body { font: 16px/1.5 "Noto Sans CJK TC", "Noto Sans TC", sans-serif; color: #111; margin: 0; background: #fff; }
            main { max-width: 1000px; margin: 0 auto; padding: 0 1rem 2rem; }
            .banner { background: #6a1b9a; color: #fff; padding: .5rem 1rem; font-weight: bold; }
            h1 { font-size: 1.6rem; margin: 1rem 0 .25rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #6a1b9a; }
            table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
            th, td { border: 1px solid #888; padding: .3rem .5rem; text-align: left; vertical-align: top; }
            th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .wrong { background: #fde7e9; } .meta { color: #333; }
            .cards { display: flex; flex-wrap: wrap; gap: .75rem; } .card { border: 1px solid #888; padding: .5rem .75rem; min-width: 9rem; }
            .card b { display: block; font-size: 1.5rem; }
            svg text { font: 12px sans-serif; fill: #111; }
            @media print { .banner { background: none; color: #000; border: 2px solid #000; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
            </style>
            </head>
            <body>
            <div class="banner" role="note">【演習】此報告來自演習資料庫，內容皆為演習，不是真實災情。</div>
            <main>
            <h1>演習檢討報告：\(h(title))</h1>
            <p class="meta">情境 <code>\(h(scenario))</code>・情境開始 \(h(scenarioStart))・速度 \(String(format: "%g", speed))×・狀態 \(h(["running": "進行中", "paused": "暫停", "finished": "已結束"][state] ?? state))・產生於 \(h(generatedAt))</p>
            <h2>團隊</h2>
            <div class="cards">
            <div class="card">決定<b>\(team.decisions)</b></div>
            <div class="card">正確率<b>\(pct(team.correct, team.decisions))</b></div>
            <div class="card">攔下謠言<b>\(team.rumoursCaught)／\(team.rumoursCaught + team.rumoursPassed)</b></div>
            <div class="card">放行謠言<b>\(team.rumoursPassed)</b></div>
            <div class="card">核准真實災情<b>\(team.reportsApproved)</b></div>
            <div class="card">轉報應變中心<b>\(team.leadsEscalated)／\(team.leadsEscalated + team.leadsMissed)</b></div>
            <div class="card">決定時間中位數<b>\(secs(team.medianSeconds))</b></div>
            <div class="card">未處理<b>\(undecided)</b></div>
            </div>
            <h2>每位審核者</h2>
            <table>
            <caption class="meta">時間：貼文進入佇列到第一次決定（實際時間）。正確：與情境的標準答案相同（應核准者轉報也算正確）。</caption>
            <thead><tr><th scope="col">審核者</th><th scope="col">決定</th><th scope="col">正確率</th><th scope="col">攔下謠言</th><th scope="col">放行謠言</th><th scope="col">核准災情</th><th scope="col">退回災情</th><th scope="col">轉報</th><th scope="col">漏轉報</th><th scope="col">改判</th><th scope="col">時間中位數</th><th scope="col">90 百分位</th></tr></thead>
            <tbody>

            """
        for m in moderators {
            let s = m.scores
            out += "<tr><th scope=\"row\">\(h(m.name))</th><td class=\"n\">\(s.decisions)</td><td class=\"n\">\(pct(s.correct, s.decisions))</td>"
                + "<td class=\"n\">\(s.rumoursCaught)</td><td class=\"n\">\(s.rumoursPassed)</td><td class=\"n\">\(s.reportsApproved)</td>"
                + "<td class=\"n\">\(s.reportsRejected)</td><td class=\"n\">\(s.leadsEscalated)</td><td class=\"n\">\(s.leadsMissed)</td>"
                + "<td class=\"n\">\(s.changes)</td><td class=\"n\">\(secs(s.medianSeconds))</td><td class=\"n\">\(secs(s.p90Seconds))</td></tr>\n"
        }
        if moderators.isEmpty { out += "<tr><td colspan=\"12\">沒有人做出決定。</td></tr>\n" }
        out += "</tbody></table>\n"
        out += "<h2>佇列積壓</h2>\n" + backlogChart() + "\n"
        out += "<h2>審核者正確率與速度</h2>\n" + moderatorChart() + "\n"
        let p = pipeline
        out += """
            <h2>系統本身</h2>
            <table><tbody>
            <tr><th scope="row">演習貼文進入資料庫</th><td class="n">\(p.postsArrived)／\(p.postsDue)</td></tr>
            <tr><th scope="row">謠言被系統標記（謠言分數 ≥ 0.5 或與官方資料矛盾）</th><td class="n">\(p.rumoursFlagged)／\(p.rumours)（\(pct(p.rumoursFlagged, p.rumours))）</td></tr>
            <tr><th scope="row">真實災情被判為災情（≥ 0.5）</th><td class="n">\(p.reportsDetected)／\(p.reports)（\(pct(p.reportsDetected, p.reports))）</td></tr>
            <tr><th scope="row">真實災情與官方資料吻合</th><td class="n">\(p.reportsCorroborated)／\(p.reports)</td></tr>
            <tr><th scope="row">真實災情被誤標為謠言</th><td class="n">\(p.reportsFlaggedAsRumour)</td></tr>
            <tr><th scope="row">雜訊被判為災情</th><td class="n">\(p.noiseAsDisaster)／\(p.noise)</td></tr>
            <tr><th scope="row">晚於排程超過 1 秒的事件；最晚</th><td class="n">\(p.lateEvents)；\(String(format: "%.2f", p.worstLatenessSeconds)) 秒</td></tr>
            </tbody></table>
            <h2>判斷錯誤的決定</h2>
            <table>
            <thead><tr><th scope="col">情境時間</th><th scope="col">審核者</th><th scope="col">決定</th><th scope="col">應為</th><th scope="col">真相</th><th scope="col">說明</th></tr></thead>
            <tbody>

            """
        let wrong = decisions.filter { !$0.correct }
        for d in wrong {
            out += "<tr class=\"wrong\"><td>\(h(d.appeared ?? ""))</td><td>\(h(d.moderator))</td><td>\(h(Self.label(d.decision)))</td>"
                + "<td>\(h(Self.label(d.expected ?? "")))</td><td>\(h(Self.truthLabel(d.truth ?? "")))</td><td>\(h(d.note ?? ""))</td></tr>\n"
        }
        if wrong.isEmpty { out += "<tr><td colspan=\"6\">沒有判斷錯誤的決定。</td></tr>\n" }
        out += "</tbody></table>\n</main>\n</body>\n</html>\n"
        return out
    }

    static func label(_ decision: String) -> String {
        ["approve": "核准", "reject": "退回", "escalate": "轉報應變中心"][decision] ?? decision
    }

    static func truthLabel(_ truth: String) -> String {
        ["report": "真實災情", "rumour": "謠言", "noise": "雜訊"][truth] ?? truth
    }

    /// Posts waiting for a decision over the drill (a step line).
    func backlogChart() -> String {
        let (w, hgt, left, bottom) = (900.0, 240.0, 50.0, 30.0)
        let maxY = Double(max(1, backlog.map(\.waiting).max() ?? 1))
        let maxX = max(1, backlog.last?.minute ?? 1)
        func x(_ m: Double) -> Double { left + (w - left - 10) * m / maxX }
        func y(_ v: Double) -> Double { hgt - bottom - (hgt - bottom - 10) * v / maxY }
        var path = ""
        for (i, p) in backlog.enumerated() {
            path += (i == 0 ? "M" : "L") + String(format: "%.1f %.1f ", x(p.minute), y(Double(p.waiting)))
        }
        var svg = "<svg role=\"img\" aria-label=\"佇列積壓：最多 \(Int(maxY)) 則等待決定\" viewBox=\"0 0 \(Int(w)) \(Int(hgt))\" width=\"100%\">"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(w - 10)\" y2=\"\(y(0))\" stroke=\"#111\"/>"
        svg += "<line x1=\"\(left)\" y1=\"10\" x2=\"\(left)\" y2=\"\(y(0))\" stroke=\"#111\"/>"
        for v in [0, maxY / 2, maxY] {
            svg += String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>", left - 6, y(v) + 4, v)
        }
        for m in [0, maxX / 2, maxX] {
            let label = maxX < 10 ? String(format: "%.1f", m) : String(format: "%.0f", m)
            svg += String(format: "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", x(m), hgt - 8) + "\(label) 分</text>"
        }
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#6a1b9a\" stroke-width=\"2.5\"/></svg>"
        return svg + "<p class=\"meta\">縱軸：已進入佇列、尚未決定的演習貼文數；橫軸：演習開始後的實際分鐘數。</p>"
    }

    /// Per moderator: accuracy (bar) with the median decision time written beside it.
    func moderatorChart() -> String {
        guard !moderators.isEmpty else { return "<p>沒有人做出決定。</p>" }
        let row = 28.0
        let hgt = Double(moderators.count) * row + 20
        var svg = "<svg role=\"img\" aria-label=\"每位審核者的正確率\" viewBox=\"0 0 900 \(Int(hgt))\" width=\"100%\">"
        for (i, m) in moderators.enumerated() {
            let y = 10 + Double(i) * row
            let acc = m.scores.accuracy ?? 0
            svg += "<text x=\"150\" y=\"\(y + 17)\" text-anchor=\"end\">\(Markup.html(String(m.name.prefix(20))))</text>"
            svg += String(format: "<rect x=\"160\" y=\"%.0f\" width=\"%.1f\" height=\"20\" fill=\"#6a1b9a\"/>", y + 2, 500 * acc)
            let time = m.scores.medianSeconds.map { String(format: "，中位 %.0f 秒", $0) } ?? ""
            svg += String(format: "<text x=\"%.1f\" y=\"%.0f\">", 166 + 500 * acc, y + 17)
                + String(format: "%.0f%%", acc * 100) + "（\(m.scores.decisions) 則\(time)）</text>"
        }
        return svg + "</svg>"
    }
}
