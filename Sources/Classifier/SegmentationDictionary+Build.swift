import CICU
import Foundation

extension SegmentationDictionary {
    /// Builds the dictionary from essay.txt (`word<TAB>frequency` lines) and adds `extraWords` (the project's
    /// lexicon words) as plain trie paths, so tokenizers using the standard lexicons need no cells of their own.
    ///
    /// Essay words go through the variant map (爲→為 …); a word with 臺 is also added with 台; frequencies of words
    /// that become equal are summed. p(w) = (f + 0.5)/N over the summed frequencies N. A word of two or more
    /// characters is marked `icuWhole` when ICU's zh_TW word break keeps it in one piece, which stands for
    /// "ICU's CJK dictionary has this word" (the prototype read ICU's cjdict itself; on the SIGHAN AS test both give
    /// the same F1 to three decimals).
    public static func build(essay: URL, extraWords: some Sequence<String>) throws(Failure) -> SegmentationDictionary {
        guard let data = try? Data(contentsOf: essay) else { throw Failure(message: "cannot read \(essay.path)") }
        var trie = TrieBuilder()
        var frequency: [Double] = [0]
        var total = 0.0
        var words: [UInt16] = []  // every essay word once, each followed by '\n' (ICU reads them in one pass)
        var wordStart: [Int32] = []
        var wordNode: [Int32] = []
        var lines = 0

        func add(_ w: [UInt16], _ f: Double) {
            let node = trie.insert(w)
            if frequency.count < trie.nodeCount {
                frequency.append(contentsOf: repeatElement(0, count: trie.nodeCount - frequency.count))
            }
            if trie.flags[Int(node)] & Flag.essay == 0 {
                trie.flags[Int(node)] |= Flag.essay
                wordStart.append(Int32(words.count))
                wordNode.append(node)
                words.append(contentsOf: w)
                words.append(0x0A)
            }
            frequency[Int(node)] += f
            total += f
        }

        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            let n = bytes.count
            var i = 0
            var word: [UInt16] = []
            while i < n {
                var end = i
                while end < n && bytes[end] != 0x0A { end += 1 }
                var tab = i
                while tab < end && bytes[tab] != 0x09 { tab += 1 }
                if tab > i && tab < end {
                    var f = 0.0
                    var k = tab + 1
                    while k < end, bytes[k] >= 0x30, bytes[k] <= 0x39 {
                        f = f * 10 + Double(bytes[k] - 0x30)
                        k += 1
                    }
                    word.removeAll(keepingCapacity: true)
                    var hasOldTai = false
                    for u in String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<tab]), as: UTF8.self).utf16 {
                        let v = SegmenterRules.variants[u] ?? u
                        if v == SegmenterRules.oldTai { hasOldTai = true }
                        word.append(v)
                    }
                    add(word, f)
                    if hasOldTai {
                        add(word.map { $0 == SegmenterRules.oldTai ? SegmenterRules.tai : $0 }, f)
                    }
                    lines += 1
                }
                i = end + 1
            }
        }
        guard lines > 0, total > 0 else { throw Failure(message: "\(essay.path) has no word<TAB>frequency lines") }

        // ICU's verdict on every essay word in one pass: a word is whole when no boundary falls inside it.
        var bounds = [Int32](repeating: 0, count: words.count + 2)
        let count = Int(sieve_icu_word_bounds(words, Int32(words.count), &bounds, nil, Int32(bounds.count)))
        var b = 0
        for (k, start) in wordStart.enumerated() {
            let node = Int(wordNode[k])
            let end = k + 1 < wordStart.count ? Int(wordStart[k + 1]) - 1 : words.count - 1
            let w = Array(words[Int(start)..<end])
            trie.logP[node] = Float(-Foundation.log((frequency[node] + 0.5) / total))
            if SegmenterRules.isBanned(w) { trie.flags[node] |= Flag.banned }
            if SegmenterRules.hasAlnum(w) { trie.flags[node] |= Flag.alnum }
            guard count > 0, count <= bounds.count, trie.length[node] >= 2 else { continue }
            while b < count && Int(bounds[b]) <= Int(start) { b += 1 }
            if b < count && Int(bounds[b]) == end { trie.flags[node] |= Flag.icuWhole }
        }
        for w in extraWords where !w.isEmpty { trie.insert(Array(w.utf16)) }

        // Character codes by frequency: every essay word adds its frequency to each of its units.
        var weight = [Double](repeating: 0, count: 1 << 16)
        for (k, start) in wordStart.enumerated() {
            let end = k + 1 < wordStart.count ? Int(wordStart[k + 1]) - 1 : words.count - 1
            let f = frequency[Int(wordNode[k])] + 1
            for u in words[Int(start)..<end] { weight[Int(u)] += f }
        }
        return trie.doubleArray(weight: weight, unknownCost: -Foundation.log(0.5 / total))
    }
}

extension SegmentationDictionary {
    /// This dictionary with `words` added, packed afresh (as compact as a fresh build; used for large batches,
    /// where relocating cells one word at a time would scatter them).
    func rebuilt(adding words: [[UInt16]]) -> SegmentationDictionary {
        var trie = TrieBuilder()
        var unitOf = [UInt16](repeating: 0, count: codeCount + 1)
        for u in 0..<(1 << 16) where codes[u] != 0 { unitOf[Int(codes[u])] = UInt16(u) }
        var firstChild = [Int32](repeating: -1, count: cellCount)
        var nextSibling = [Int32](repeating: -1, count: cellCount)
        for t in 1..<cellCount where check[t] >= 0 {
            nextSibling[t] = firstChild[Int(check[t])]
            firstChild[Int(check[t])] = Int32(t)
        }
        // Breadth first from the root, so every parent has its node before its children.
        var nodeOf = [Int32](repeating: 0, count: cellCount)
        var queue: [Int32] = [0]
        var head = 0
        while head < queue.count {
            let c = queue[head]
            head += 1
            var t = firstChild[Int(c)]
            while t >= 0 {
                let node = trie.addChild(nodeOf[Int(c)], unitOf[Int(t - base[Int(c)])])
                nodeOf[Int(t)] = node
                trie.logP[Int(node)] = logP[Int(t)]
                trie.flags[Int(node)] = flags[Int(t)]
                queue.append(t)
                t = nextSibling[Int(t)]
            }
        }
        for w in words { trie.insert(w) }
        // Keep the character order: the existing codes first, new characters after them.
        var weight = [Double](repeating: 0, count: 1 << 16)
        for u in 0..<(1 << 16) where codes[u] != 0 { weight[u] = Double(codeCount - Int(codes[u]) + 1) }
        return trie.doubleArray(weight: weight, unknownCost: unknownCost)
    }
}

/// A growable trie (a hash table of (node, unit) → child) used while building; `doubleArray` packs it.
struct TrieBuilder {
    /// `node << 40 | unit << 24 | child`, 0 for an empty slot. Power-of-two capacity, linear probing.
    private var table = [UInt64](repeating: 0, count: 1 << 16)
    private var shift: UInt64 = 48
    var logP: [Float] = [.nan]
    var flags: [UInt8] = [0]
    var length: [UInt8] = [0]
    var nodeCount: Int { logP.count }

    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> shift) }

    func child(_ node: Int32, _ unit: UInt16) -> Int32 {
        let key = UInt64(node) &<< 16 | UInt64(unit)
        var h = slot(key)
        while true {
            let e = table[h]
            if e == 0 { return 0 }
            if e &>> 24 == key { return Int32(truncatingIfNeeded: e & 0xFF_FFFF) }
            h = (h + 1) & (table.count - 1)
        }
    }

    @discardableResult
    mutating func insert(_ units: [UInt16]) -> Int32 {
        var node: Int32 = 0
        for u in units {
            let next = child(node, u)
            node = next != 0 ? next : addChild(node, u)
        }
        return node
    }

    mutating func addChild(_ parent: Int32, _ unit: UInt16) -> Int32 {
        let id = Int32(logP.count)
        precondition(id < 1 << 24, "segmentation dictionary: too many trie nodes")
        logP.append(.nan)
        flags.append(0)
        let trail = unit & 0xFC00 == 0xDC00
        length.append(UInt8(min(255, Int(length[Int(parent)]) + (trail ? 0 : 1))))
        if (logP.count - 1) * 2 > table.count { grow() }
        put(UInt64(parent) &<< 16 | UInt64(unit), id)
        return id
    }

    private mutating func put(_ key: UInt64, _ child: Int32) {
        var h = slot(key)
        while table[h] != 0 { h = (h + 1) & (table.count - 1) }
        table[h] = key &<< 24 | UInt64(child)
    }

    private mutating func grow() {
        let old = table
        table = [UInt64](repeating: 0, count: old.count * 2)
        shift -= 1
        for e in old where e != 0 { put(e &>> 24, Int32(truncatingIfNeeded: e & 0xFF_FFFF)) }
    }

    /// Free root cells kept after the root's children for characters that run-time words bring (no relocation of
    /// the root's ~20k children when one arrives).
    static let reservedRootCodes = 2048

    /// Packs the trie into a double array. Codes follow `weight` (heaviest first). Nodes are placed in order of
    /// decreasing child count (the root first), each at the first base where all its children fit.
    func doubleArray(weight: [Double], unknownCost: Double) -> SegmentationDictionary {
        let nodes = nodeCount
        var parent = [Int32](repeating: -1, count: nodes)
        var unitOf = [UInt16](repeating: 0, count: nodes)
        var childCount = [Int32](repeating: 0, count: nodes)
        for e in table where e != 0 {
            let child = Int(e & 0xFF_FFFF)
            parent[child] = Int32(truncatingIfNeeded: e &>> 40)
            unitOf[child] = UInt16(truncatingIfNeeded: e &>> 24)
            childCount[Int(parent[child])] += 1
        }

        var codes = [UInt16](repeating: 0, count: 1 << 16)
        let present = (0..<(1 << 16)).filter { u in weight[u] > 0 }
        var seen = Set<UInt16>(present.map { UInt16($0) })
        var order = present.sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }
        for x in 1..<nodes where !seen.contains(unitOf[x]) {  // units only in extra words
            seen.insert(unitOf[x])
            order.append(Int(unitOf[x]))
        }
        for (k, u) in order.enumerated() { codes[u] = UInt16(k + 1) }
        let codeCount = order.count

        // Children per node, sorted by code (CSR).
        var start = [Int32](repeating: 0, count: nodes + 1)
        for x in 0..<nodes { start[x + 1] = start[x] + childCount[x] }
        var fillPos = start
        var kids = [Int32](repeating: 0, count: max(nodes - 1, 1))
        for x in 1..<nodes {
            let p = Int(parent[x])
            kids[Int(fillPos[p])] = Int32(codes[Int(unitOf[x])])
            fillPos[p] += 1
        }

        var nodeBase = [Int32](repeating: 0, count: nodes)
        var placement = (0..<nodes).filter { childCount[$0] > 0 }
        placement.sort { a, b in  // the root first, then by decreasing child count
            if a == 0 || b == 0 { return a == 0 && b != 0 }
            return childCount[a] != childCount[b] ? childCount[a] > childCount[b] : a < b
        }
        var space = FreeCells()
        space.claim(0)  // the root
        var list: [Int32] = []
        for x in placement {
            list.removeAll(keepingCapacity: true)
            list.append(contentsOf: kids[Int(start[x])..<Int(start[x + 1])])
            list.sort()
            let b = x == 0 ? 0 : space.firstFit(list)  // the root's children take cells 1…codeCount
            for c in list { space.claim(b + Int(c)) }
            if x == 0 {
                for c in (codeCount + 1)...(codeCount + Self.reservedRootCodes) { space.claim(c) }
            }
            nodeBase[x] = Int32(b)
        }

        // Cells: node ids grow from parent to child, so one pass in id order sees every parent first.
        var cellOf = [Int32](repeating: 0, count: nodes)
        var cells = 2
        for x in 1..<nodes {
            let c = nodeBase[Int(parent[x])] + Int32(codes[Int(unitOf[x])])
            cellOf[x] = c
            cells = max(cells, Int(c) + 1)
        }
        let maxBase = Int(nodeBase.max() ?? 0)
        cells = max(cells, maxBase + codeCount + 1)
        var base = [Int32](repeating: 0, count: cells)
        var check = [Int32](repeating: SegmentationDictionary.freeCell, count: cells)
        var logPOut = [Float](repeating: .nan, count: cells)
        var flagsOut = [UInt8](repeating: 0, count: cells)
        var lengthOut = [UInt8](repeating: 0, count: cells)
        check[0] = SegmentationDictionary.rootCell
        base[0] = nodeBase[0]
        for x in 1..<nodes {
            let c = Int(cellOf[x])
            check[c] = cellOf[Int(parent[x])]
            base[c] = childCount[x] > 0 ? nodeBase[x] : 0
            logPOut[c] = logP[x]
            flagsOut[c] = flags[x]
            lengthOut[c] = length[x]
        }
        return SegmentationDictionary(
            base: base, check: check, codes: codes, codeCount: codeCount, logP: logPOut, flags: flagsOut,
            length: lengthOut, unknownCost: unknownCost)
    }
}

/// Which cells are free while placing, as a bitset (cells past the end are free), so that a first-fit search
/// tests 64 candidate bases per word operation and child.
struct FreeCells {
    private var bits: [UInt64] = []
    /// The lowest cell that may be free.
    private var firstFree = 0
    /// Every cell from here on is free.
    private(set) var end = 0

    init() {}

    /// The free cells of a double array (`check[i] == freeCell`).
    init(check: [Int32]) {
        bits = [UInt64](repeating: 0, count: (check.count + 63) >> 6)
        for (i, c) in check.enumerated() where c == SegmentationDictionary.freeCell {
            bits[i >> 6] |= 1 << UInt64(i & 63)
        }
        if check.count & 63 != 0 { bits[bits.count - 1] |= ~0 << UInt64(check.count & 63) }
        end = (check.lastIndex { $0 != SegmentationDictionary.freeCell } ?? -1) + 1
        while firstFree >> 6 < bits.count && bits[firstFree >> 6] == 0 { firstFree += 64 }
        while !isFree(firstFree) { firstFree += 1 }
    }

    @inline(__always) private func word(_ i: Int) -> UInt64 { i < bits.count ? bits[i] : ~0 }

    func isFree(_ i: Int) -> Bool { word(i >> 6) & (1 << UInt64(i & 63)) != 0 }

    /// Free flags of cells pos…pos+63 (bit k: cell pos+k).
    @inline(__always) private func window(_ pos: Int) -> UInt64 {
        let w = pos >> 6
        let o = pos & 63
        return o == 0 ? word(w) : word(w) >> UInt64(o) | word(w + 1) << UInt64(64 - o)
    }

    mutating func release(_ i: Int) {
        guard i >> 6 < bits.count else { return }
        bits[i >> 6] |= 1 << UInt64(i & 63)
        firstFree = min(firstFree, i)
    }

    mutating func claim(_ i: Int) {
        let w = i >> 6
        if w >= bits.count { bits.append(contentsOf: repeatElement(~0, count: max(w + 1 - bits.count, bits.count / 2))) }
        bits[w] &= ~(1 << UInt64(i & 63))
        end = max(end, i + 1)
        guard i == firstFree else { return }
        while firstFree >> 6 < bits.count && window(firstFree) == 0 { firstFree += 64 }
        while !isFree(firstFree) { firstFree += 1 }
    }

    /// The smallest base b ≥ 0 with every b + code free and b + codes[0] ≥ `from` (`codes` ascending, ≥ 1).
    /// Written with raw pointers and plain loops: it dominates building, also in debug builds (tests).
    func firstFit(_ codes: [Int32], from: Int = 0) -> Int {
        bits.withUnsafeBufferPointer { bp in
            codes.withUnsafeBufferPointer { cp in
                let words = bp.count
                var b0 = max(0, max(firstFree, from) - Int(cp[0]))
                while true {
                    var mask: UInt64 = ~0
                    var k = 0
                    while k < cp.count {
                        let pos = b0 &+ Int(cp[k])
                        let w = pos &>> 6
                        let o = UInt64(pos & 63)
                        let lo: UInt64 = w < words ? bp[w] : ~0
                        if o == 0 {
                            mask &= lo
                        } else {
                            let hi: UInt64 = w &+ 1 < words ? bp[w &+ 1] : ~0
                            mask &= lo &>> o | hi &<< (64 &- o)
                        }
                        if mask == 0 { break }
                        k &+= 1
                    }
                    if mask != 0 { return b0 &+ mask.trailingZeroBitCount }
                    b0 &+= 64
                }
            }
        }
    }
}
