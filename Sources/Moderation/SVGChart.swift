import Foundation
import SieveCore
import Store

/// Stacked hourly bar charts drawn as SVG on the server (no script, no chart library). Colours are presentation
/// attributes, not inline styles, so the page's Content-Security-Policy (no inline styles) still applies.
enum SVGChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f", "#17becf"]

    static func stackedBars(_ data: HourlySeries, title: String, width: Int = 900, height: Int = 260, lang: Language = .zhHant) -> String {
        let left = 40.0, right = 170.0, top = 12.0, bottom = 34.0
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let n = max(1, data.hours.count)
        var totals = [Int](repeating: 0, count: n)
        for s in data.series { for (i, c) in s.counts.enumerated() where i < n { totals[i] += c } }
        let maxTotal = max(1, totals.max() ?? 1)
        let step = niceStep(maxTotal)
        let yMax = Double(((maxTotal + step - 1) / step) * step)
        let slot = plotW / Double(n), barW = max(1, slot * 0.78)
        var out = """
            <svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" \
            height="\(height)" role="img" aria-label="\(Markup.xml(title))"><title>\(Markup.xml(title))</title>

            """
        // Grid and y labels.
        var y = 0
        while Double(y) <= yMax {
            let py = top + plotH - Double(y) / yMax * plotH
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py))\" stroke=\"#e3e7eb\"/>"
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(py + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#5c6670\">\(y)</text>\n"
            y += step
        }
        // Bars, stacked bottom-up in series order.
        for i in 0..<n {
            var base = 0
            let x = left + Double(i) * slot + (slot - barW) / 2
            for (k, s) in data.series.enumerated() {
                let c = i < s.counts.count ? s.counts[i] : 0
                guard c > 0 else { continue }
                let y0 = top + plotH - Double(base + c) / yMax * plotH
                let h = Double(c) / yMax * plotH
                out += "<rect x=\"\(f(x))\" y=\"\(f(y0))\" width=\"\(f(barW))\" height=\"\(f(h))\" fill=\"\(palette[k % palette.count])\">"
                out += "<title>\(Markup.xml(label(data.hours[i]))) \(Markup.xml(s.name))：\(c)</title></rect>\n"
                base += c
            }
        }
        // X labels on round hours (every 2 h for a day), Taipei "HH時", the date at midnight.
        let every = max(1, n / 12)
        for i in 0..<n where (Int(TaipeiTime.rfc3339(data.hours[i]).dropFirst(11).prefix(2)) ?? 0) % every == 0 {
            let x = left + Double(i) * slot + slot / 2
            out += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5c6670\">\(Markup.xml(hourLabel(data.hours[i], lang)))</text>\n"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"#5c6670\"/>\n"
        // Legend.
        for (k, s) in data.series.enumerated() {
            let ly = top + Double(k) * 18
            let lx = left + plotW + 14
            out += "<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"12\" height=\"12\" fill=\"\(palette[k % palette.count])\"/>"
            out += "<text x=\"\(f(lx + 18))\" y=\"\(f(ly + 11))\" font-size=\"12\" fill=\"#1d232a\">\(Markup.xml(s.name))（\(s.counts.reduce(0, +))）</text>\n"
        }
        if data.series.isEmpty {
            out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" font-size=\"14\" text-anchor=\"middle\" fill=\"#5c6670\">\(Markup.xml(Messages.app("這段時間沒有貼文", lang)))</text>\n"
        }
        out += "</svg>"
        return out
    }

    static func niceStep(_ maxValue: Int) -> Int {
        let raw = max(1, maxValue / 5)
        let magnitude = Int(pow(10, floor(log10(Double(raw)))))
        for m in [1, 2, 5, 10] where raw <= m * magnitude { return m * magnitude }
        return 10 * magnitude
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func label(_ d: Date) -> String { taipeiShort(d) }

    static func hourLabel(_ d: Date, _ lang: Language = .zhHant) -> String {
        let s = TaipeiTime.rfc3339(d)  // 2026-09-14T22:00:00+08:00
        let hour = s.dropFirst(11).prefix(2)
        return hour == "00" ? String(s.dropFirst(5).prefix(5)).replacingOccurrences(of: "-", with: "/") : (lang == .zhHant ? "\(hour)時" : "\(hour):00")
    }

    /// XML text/attribute escaping for labels that came from data (source names, counties).

}
