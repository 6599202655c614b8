import Foundation
import SieveCore

#if canImport(Glibc)
    import Glibc
    private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { Glibc.read(fd, p, n) }
    private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Glibc.write(fd, p, n) }
#elseif canImport(Darwin)
    import Darwin
    private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { Darwin.read(fd, p, n) }
    private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Darwin.write(fd, p, n) }
#endif

/// The segmenter's dictionary: a double-array trie over UTF-16 code units (the child of cell s on unit u is
/// t = base[s] + code(u) when check[t] == s; codes are dense and ordered by character frequency, so the children of
/// common prefixes sit close together), plus per-cell data about the word that ends at a cell: its essay frequency
/// as −ln p, its length in characters and a few flags. Built once from Debian's rime-essay word list (`essay.txt`,
/// ~313k Traditional Chinese words with frequencies) and cached as a binary file that loads with a few `read` calls.
///
/// Costs are not stored here: `Segmenter` derives them per tokenizer from this data, its mode and its word lists,
/// so one cached dictionary serves every configuration.
public struct SegmentationDictionary: Sendable {
    enum Flag {
        /// The word is in essay.txt (after the variant map), so `logP` holds −ln p(w).
        static let essay: UInt8 = 1
        /// ICU's zh_TW word break keeps the word in one piece (a stand-in for "in ICU's CJK dictionary").
        static let icuWhole: UInt8 = 2
        /// A pattern that is never a word of its own (這個-style determiner+measure pairs, …的, 也是, …).
        static let banned: UInt8 = 4
        /// Contains an ASCII or full-width digit or Latin letter (those runs are segmented by rule).
        static let alnum: UInt8 = 8
    }

    static let formatVersion: UInt32 = 5
    static let magic: [UInt8] = Array("SIEVESEG".utf8)
    /// `check` of a free cell, and of the root (cell 0, never anyone's child).
    static let freeCell: Int32 = -1
    static let rootCell: Int32 = -2

    private(set) var base: [Int32]
    private(set) var check: [Int32]
    /// UTF-16 unit → code 1…codeCount (most frequent characters first); 0 for units no word uses.
    private(set) var codes: [UInt16]
    private(set) var codeCount: Int
    /// The largest base in use; the arrays always extend to maxBase + codeCount, so a walk needs no bounds checks.
    private(set) var maxBase: Int
    /// Per cell: −ln p(word) when `flags` has `essay`, else NaN.
    private(set) var logP: [Float]
    private(set) var flags: [UInt8]
    /// Word length in Unicode scalars (what the cost formulas count), capped at 255.
    private(set) var length: [UInt8]
    /// Cost of one character the dictionary does not know: −ln(0.5/N), N the essay's total frequency.
    public private(set) var unknownCost: Double

    /// Cells of the double array (used or free).
    public var cellCount: Int { base.count }
    /// Where this dictionary is cached and under which key (nil when it is not).
    private(set) var cached: (directory: URL, key: String)?

    init(
        base: [Int32], check: [Int32], codes: [UInt16], codeCount: Int, logP: [Float], flags: [UInt8],
        length: [UInt8], unknownCost: Double
    ) {
        self.base = base
        self.check = check
        self.codes = codes
        self.codeCount = codeCount
        self.maxBase = Int(base.max() ?? 0)
        self.logP = logP
        self.flags = flags
        self.length = length
        self.unknownCost = unknownCost
        pad()
    }

    /// Keeps `count > maxBase + codeCount` (every base + code lands inside the arrays).
    private mutating func pad() {
        let need = maxBase + codeCount + 1
        guard base.count < need else { return }
        let extra = need - base.count + 1024
        base.append(contentsOf: repeatElement(0, count: extra))
        check.append(contentsOf: repeatElement(Self.freeCell, count: extra))
        logP.append(contentsOf: repeatElement(.nan, count: extra))
        flags.append(contentsOf: repeatElement(0, count: extra))
        length.append(contentsOf: repeatElement(0, count: extra))
    }

    // MARK: Lookup

    /// The cell of `units`, or nil when it is not in the trie (as a word or a prefix).
    func cell<C: Collection<UInt16>>(_ units: C) -> Int32? {
        var s: Int32 = 0
        for u in units {
            let c = codes[Int(u)]
            if c == 0 { return nil }
            let t = base[Int(s)] + Int32(c)
            if check[Int(t)] != s { return nil }
            s = t
        }
        return units.isEmpty ? nil : s
    }

    func isEssayWord(_ cell: Int32) -> Bool { flags[Int(cell)] & Flag.essay != 0 }

    // MARK: Insertion

    /// The cells of `words`, adding the missing ones: a new child goes into a free cell at base + code, and when
    /// that cell is taken the parent's children move to a base where they all fit (the classic relocation).
    /// Costs O(cells) once for the sibling links, then little per word; meant for run-time word lists.
    /// A few words are inserted in place (relocating cells where needed); a large batch (a `--words` list) packs the
    /// double array afresh, and when the dictionary came from the cache that result is cached too, keyed by the
    /// dictionary's key and a hash of the added words, so the next run with the same list just loads it.
    mutating func insert(_ words: [[UInt16]]) -> [Int32] {
        let missing = words.filter { !$0.isEmpty && cell($0) == nil }
        if missing.count >= Self.cachedBatch, let (dir, baseKey) = cached {
            let key = baseKey + "added \(missing.count) \(Self.hash(missing))\n"
            let file = dir.appendingPathComponent("segmentation-\(Self.fnv1a(key)).bin")
            if let loaded = Self.read(from: file, key: key) {
                self = loaded
                cached = (dir, key)
            } else {
                self = rebuilt(adding: missing)
                cached = (dir, key)
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    try write(to: file, key: key)
                    Self.pruneCache(dir, keeping: file)
                } catch {
                    Self.warn("sieve: could not write the segmentation cache \(file.path): \(error)")
                }
            }
        } else if missing.count >= Self.cachedBatch {
            self = rebuilt(adding: missing)
        } else if !missing.isEmpty {
            add(missing)
            cached = nil
        }
        // Relocations move cells, so look every word up afresh.
        return words.map { cell($0) ?? 0 }
    }

    static let cachedBatch = 1000

    /// Order-independent hash of a set of words.
    static func hash(_ words: [[UInt16]]) -> String {
        var sum: UInt64 = 0
        var mixed: UInt64 = 0
        for w in words {
            var fnv = FNV1a()
            for u in w { fnv.add(value: UInt64(u)) }
            let h = fnv.value
            sum &+= h
            mixed ^= (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        }
        return String(sum, radix: 16) + "-" + String(mixed, radix: 16)
    }

    private mutating func add(_ words: [[UInt16]]) {
        var space = FreeCells(check: check)
        // Child lists, for moving a cell's children.
        var firstChild = [Int32](repeating: -1, count: base.count)
        var nextSibling = [Int32](repeating: -1, count: base.count)
        for t in 1..<check.count where check[t] >= 0 {
            let p = Int(check[t])
            nextSibling[t] = firstChild[p]
            firstChild[p] = Int32(t)
        }
        func ensure(_ index: Int) {
            guard index >= base.count else { return }
            let old = base.count
            let extra = index - old + 4096
            base.append(contentsOf: repeatElement(0, count: extra))
            check.append(contentsOf: repeatElement(Self.freeCell, count: extra))
            logP.append(contentsOf: repeatElement(.nan, count: extra))
            flags.append(contentsOf: repeatElement(0, count: extra))
            length.append(contentsOf: repeatElement(0, count: extra))
            firstChild.append(contentsOf: repeatElement(-1, count: extra))
            nextSibling.append(contentsOf: repeatElement(-1, count: extra))
        }

        for word in words {
            var s: Int32 = 0
            for u in word {
                var c = Int32(codes[Int(u)])
                if c == 0 {
                    precondition(codeCount < 0xFFFF, "segmentation dictionary: too many distinct characters")
                    codeCount += 1
                    codes[Int(u)] = UInt16(codeCount)
                    c = Int32(codeCount)
                    ensure(maxBase + codeCount + 1)
                }
                var t = base[Int(s)] + c
                if check[Int(t)] == s {
                    s = t
                    continue
                }
                if !space.isFree(Int(t)) {
                    // Move s's children, with the new code, to a base where they all fit.
                    var kids: [(cell: Int32, code: Int32)] = []
                    var ch = firstChild[Int(s)]
                    while ch >= 0 {
                        kids.append((ch, ch - base[Int(s)]))
                        ch = nextSibling[Int(ch)]
                    }
                    let all = (kids.map(\.code) + [c]).sorted()
                    let b = space.firstFit(all)
                    maxBase = max(maxBase, b)
                    ensure(max(b + Int(all.last!), maxBase + codeCount) + 1)
                    firstChild[Int(s)] = -1
                    for (old, code) in kids {
                        let new = Int32(b) + code
                        let o = Int(old)
                        let n = Int(new)
                        space.claim(n)
                        base[n] = base[o]
                        check[n] = s
                        logP[n] = logP[o]
                        flags[n] = flags[o]
                        length[n] = length[o]
                        firstChild[n] = firstChild[o]
                        var g = firstChild[o]
                        while g >= 0 {
                            check[Int(g)] = new
                            g = nextSibling[Int(g)]
                        }
                        nextSibling[n] = firstChild[Int(s)]
                        firstChild[Int(s)] = new
                        base[o] = 0
                        check[o] = Self.freeCell
                        logP[o] = .nan
                        flags[o] = 0
                        length[o] = 0
                        firstChild[o] = -1
                        nextSibling[o] = -1
                        space.release(o)
                    }
                    base[Int(s)] = Int32(b)
                    t = Int32(b) + c
                }
                let ti = Int(t)
                ensure(ti + 1)
                space.claim(ti)
                check[ti] = s
                base[ti] = 0
                logP[ti] = .nan
                flags[ti] = 0
                length[ti] = UInt8(min(255, Int(length[Int(s)]) + (u & 0xFC00 == 0xDC00 ? 0 : 1)))
                nextSibling[ti] = firstChild[Int(s)]
                firstChild[Int(s)] = t
                s = t
            }
        }
        pad()
    }
}

// MARK: - Binary cache

extension SegmentationDictionary {
    /// What went wrong while building or caching the dictionary.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The default word list: Debian's `rime-essay` package. `$SIEVE_ESSAY` overrides it.
    public static var defaultEssayPath: String {
        if let env = ProcessInfo.processInfo.environment["SIEVE_ESSAY"], !env.isEmpty { return env }
        return "/usr/share/rime-data/essay.txt"
    }

    /// `$CACHE_DIRECTORY` (set by systemd's `CacheDirectory=sieve`), else `$XDG_CACHE_HOME/sieve`, else
    /// `~/.cache/sieve`.
    public static var defaultCacheDirectory: URL? {
        let env = ProcessInfo.processInfo.environment
        if let systemd = env["CACHE_DIRECTORY"]?.split(separator: ":").first, systemd.hasPrefix("/") {
            return URL(fileURLWithPath: String(systemd))
        }
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("sieve")
        }
        if let home = env["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent(".cache/sieve")
        }
        return nil
    }

    /// The dictionary every `Tokenizer` uses: loaded from the cache, or built from essay.txt (and cached) on first
    /// use. nil, after one line on stderr, when essay.txt is missing or unreadable; tokenizers then fall back to ICU.
    public static let shared: SegmentationDictionary? = {
        let essay = URL(fileURLWithPath: defaultEssayPath)
        guard FileManager.default.fileExists(atPath: essay.path) else {
            warn("sieve: \(essay.path) not found (apt-get install rime-essay); tokenizing with ICU word break and the lexicons only")
            return nil
        }
        do {
            return try loadOrBuild(
                essay: essay, lexiconDirectory: Lexicon.locateDirectory(), cacheDirectory: defaultCacheDirectory
            ).dictionary
        } catch {
            warn("sieve: segmentation dictionary unavailable (\(error)); tokenizing with ICU word break and the lexicons only")
            return nil
        }
    }()

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Loads the cached dictionary for this essay.txt and lexicon folder, or builds it and writes the cache
    /// (`cacheDirectory` nil: no cache). The cache is keyed by the format version, essay.txt's size and
    /// modification time and the lexicon files' content, so editing any of them rebuilds it.
    public static func loadOrBuild(essay: URL, lexiconDirectory: URL?, cacheDirectory: URL?) throws(Failure)
        -> (dictionary: SegmentationDictionary, fromCache: Bool)
    {
        let key = cacheKey(essay: essay, lexiconDirectory: lexiconDirectory)
        let file = cacheDirectory?.appendingPathComponent("segmentation-\(fnv1a(key)).bin")
        if let cacheDirectory, let file, var loaded = read(from: file, key: key) {
            loaded.cached = (cacheDirectory, key)
            return (loaded, true)
        }
        var projectWords: [String] = []
        if let lexiconDirectory, let lexicon = try? Lexicon.load(directory: lexiconDirectory) {
            projectWords = Array(lexicon.words)
        }
        var built = try build(essay: essay, extraWords: projectWords)
        if let cacheDirectory, let file {
            do {
                try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
                try built.write(to: file, key: key)
                built.cached = (cacheDirectory, key)
                pruneCache(cacheDirectory, keeping: file)
            } catch {
                warn("sieve: could not write the segmentation cache \(file.path): \(error)")
            }
        }
        return (built, false)
    }

    /// Caches for other keys (an edited lexicon, another checkout) are kept up to `cacheFilesKept` files, newest
    /// first, so two checkouts on one machine do not rebuild each other's cache every run.
    static let cacheFilesKept = 4

    static func pruneCache(_ directory: URL, keeping current: URL) {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
            $0.hasPrefix("segmentation-") && $0.hasSuffix(".bin") && $0 != current.lastPathComponent
        }
        let dated = names.map { name -> (String, Date) in
            let url = directory.appendingPathComponent(name)
            let date = (try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast
            return (name, date)
        }.sorted { $0.1 > $1.1 }
        for (name, _) in dated.dropFirst(cacheFilesKept - 1) {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// essay.txt by path, size and modification time (4 MB, a system file); the lexicon files by size and a hash of
    /// their content (small, and copies of the folder share one cache).
    static func cacheKey(essay: URL, lexiconDirectory: URL?) -> String {
        let attrs = try? FileManager.default.attributesOfItem(atPath: essay.path)
        let size = (attrs?[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attrs?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        var key = "sieve-segmentation v\(formatVersion)\nessay \(essay.standardizedFileURL.path) \(size) \(mtime)\n"
        if let dir = lexiconDirectory {
            for name in ["places.tsv", "disaster.tsv", "rumour.tsv", "closure.tsv", "words.txt"] {
                let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path)
                let h = FNV1a.hash(bytes: data ?? Data())
                key += "lexicon \(name) \(data.map { "\($0.count) \(String(h, radix: 16))" } ?? "absent")\n"
            }
        }
        return key
    }

    static func fnv1a(_ s: String) -> String {
        let hex = String(FNV1a.hash(s), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static let headerSize = 48

    /// Writes the dictionary (atomically: a temporary file renamed over `url`).
    public func write(to url: URL, key: String) throws(Failure) {
        let keyBytes = Array(key.utf8)
        var header = [UInt8](repeating: 0, count: Self.headerSize)
        header.replaceSubrange(0..<8, with: Self.magic)
        func put<T: FixedWidthInteger>(_ v: T, at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { header.replaceSubrange(offset..<offset + $0.count, with: $0) }
        }
        put(Self.formatVersion, at: 8)
        put(UInt32(keyBytes.count), at: 12)
        put(UInt64(cellCount), at: 16)
        put(UInt64(codeCount), at: 24)
        put(unknownCost.bitPattern, at: 32)
        let padding = [UInt8](repeating: 0, count: (8 - keyBytes.count % 8) % 8)

        let tmp = url.path + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure(message: "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = true
        func out(_ raw: UnsafeRawBufferPointer) {
            var done = 0
            while ok && done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { ok = false } else { done += n }
            }
        }
        header.withUnsafeBytes(out)
        keyBytes.withUnsafeBytes(out)
        padding.withUnsafeBytes(out)
        base.withUnsafeBytes(out)
        check.withUnsafeBytes(out)
        codes.withUnsafeBytes(out)
        logP.withUnsafeBytes(out)
        flags.withUnsafeBytes(out)
        length.withUnsafeBytes(out)
        if close(fd) != 0 { ok = false }
        guard ok, rename(tmp, url.path) == 0 else {
            unlink(tmp)
            throw Failure(message: "cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads a cache file written by `write(to:key:)`; nil when it is absent, truncated, of another format version
    /// or for another key.
    public static func read(from url: URL, key: String) -> SegmentationDictionary? {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        func fill(_ raw: UnsafeMutableRawBufferPointer) -> Bool {
            var done = 0
            while done < raw.count {
                let n = posixRead(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        var header = [UInt8](repeating: 0, count: headerSize)
        guard header.withUnsafeMutableBytes(fill), Array(header[0..<8]) == magic else { return nil }
        func get<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            var v: T = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: header[offset..<offset + MemoryLayout<T>.size]) }
            return T(littleEndian: v)
        }
        let keyBytes = Array(key.utf8)
        guard get(UInt32.self, at: 8) == formatVersion, Int(get(UInt32.self, at: 12)) == keyBytes.count else {
            return nil
        }
        let cells = Int(get(UInt64.self, at: 16))
        let codeCount = Int(get(UInt64.self, at: 24))
        let unknown = Double(bitPattern: get(UInt64.self, at: 32))
        guard cells >= 2, cells < 1 << 28, codeCount < 1 << 16 else { return nil }
        var storedKey = [UInt8](repeating: 0, count: keyBytes.count + (8 - keyBytes.count % 8) % 8)
        guard storedKey.withUnsafeMutableBytes(fill), Array(storedKey[0..<keyBytes.count]) == keyBytes else {
            return nil
        }
        func array<T>(_: T.Type, _ count: Int) -> [T]? {
            var ok = true
            let a = [T](unsafeUninitializedCapacity: count) { buf, initialized in
                ok = fill(UnsafeMutableRawBufferPointer(buf))
                initialized = count  // plain integers and floats: any bytes are valid values
            }
            return ok ? a : nil
        }
        guard let base = array(Int32.self, cells), let check = array(Int32.self, cells),
            let codes = array(UInt16.self, 1 << 16), let logP = array(Float.self, cells),
            let flags = array(UInt8.self, cells), let length = array(UInt8.self, cells)
        else { return nil }
        var extra: UInt8 = 0
        guard posixRead(fd, &extra, 1) == 0 else { return nil }  // trailing bytes: not our file
        // A damaged file must not send a walk out of bounds.
        guard let maxBase = base.max(), let minBase = base.min(), minBase >= 0, Int(maxBase) + codeCount < cells,
            codes.allSatisfy({ Int($0) <= codeCount })
        else { return nil }
        return SegmentationDictionary(
            base: base, check: check, codes: codes, codeCount: codeCount, logP: logP, flags: flags, length: length,
            unknownCost: unknown)
    }
}
