import Classifier
import Foundation
import Testing
import TestSupport

@Suite("Normaliser and tokenizer")
struct TokenizerTests {
    static let lexicon: Lexicon = try! Lexicon.load(directory: TestPaths.lexicons)

    @Test func normaliserFoldsWidth() {
        #expect(Normalizer.normalize("ＡＢＣ１２３！　新北市") == "ABC123! 新北市")
        #expect(Normalizer.normalize("") == "")
        #expect(Normalizer.simplified("颱風來了") == "台风来了")
    }

    @Test func namedDomainWordsStayWhole() {
        let t = Tokenizer(lexicon: Self.lexicon)
        let words = t.words("新北市那瑪夏區出現堰塞湖，土石流警戒，網傳明天停班停課")
        for w in ["新北市", "那瑪夏區", "堰塞湖", "停班停課"] { #expect(words.contains(w), "\(words)") }
        #expect(t.words("土石流")  == ["土石流"])
    }

    @Test func everyLexiconWordStaysWholeInContext() {
        let t = Tokenizer(lexicon: Self.lexicon)
        var broken: [String] = []
        for word in Self.lexicon.words where word.count > 1 {
            // Alone, and between ordinary words on both sides.
            if t.words(word) != [word] { broken.append(word) }
            let words = t.words("他說：\(word)。")
            if !words.contains(word) { broken.append("他說：\(word)。→ \(words.joined(separator: "/"))") }
        }
        #expect(Self.lexicon.words.count > 1000)
        #expect(broken.isEmpty, Comment(rawValue: broken.prefix(30).joined(separator: "\n")))
    }

    @Test func icuHandlesWhatTheLexiconDoesNot() {
        let t = Tokenizer(words: [String]())
        let tokens = t.tokenize("iPhone 15 價格 3,000元!")
        #expect(tokens.map(\.text).contains("iPhone"))
        #expect(tokens.contains { $0.text == "!" && $0.kind == .punctuation })
        #expect(!tokens.contains { $0.text.contains(" ") })
    }

    @Test func offsetsPointIntoTheText() {
        let t = Tokenizer(lexicon: Self.lexicon)
        let text = "汐止康寧街淹水 😱 快救人"
        let utf16 = Array(text.utf16)
        for tok in t.tokenize(text) {
            #expect(String(decoding: utf16[tok.start..<tok.end], as: UTF16.self) == tok.text)
        }
    }

    @Test func hostileInputDoesNotCrash() {
        let t = Tokenizer(lexicon: Self.lexicon)
        #expect(t.tokenize("").isEmpty)
        #expect(t.tokenize("   \n\t").isEmpty)
        let invalid = String(decoding: [0xFF, 0xFE, 0xE4, 0xB8, 0x41, 0x00, 0xF0, 0x9F], as: UTF8.self)
        _ = t.tokenize(Normalizer.normalize(invalid))
        let big = String(repeating: "颱風天停電淹水", count: 20_000)
        #expect(t.tokenize(big).count >= 20_000)
    }

    // MARK: Lowest-cost lattice segmenter (essay.txt dictionary)

    /// Whether the shared essay.txt dictionary (rime-essay) is installed: the lattice tests need it.
    static var hasEssay: Bool { SegmentationDictionary.shared != nil }

    @Test(.enabled(if: TokenizerTests.hasEssay, "essay.txt (rime-essay) is absent: apt-get install rime-essay")) func segmentsOrdinaryText() throws {
        let t = Tokenizer(lexicon: Self.lexicon)
        #expect(t.mode == .standard)
        #expect(t.words("這群白髮蒼蒼的學員唱起英文歌來字正腔圓") == ["這", "群", "白髮蒼蒼", "的", "學員", "唱起", "英文", "歌", "來", "字正腔圓"])
        // Numbers, dates and Latin runs are single tokens; 1,000 keeps its separator.
        let tokens = t.tokenize(Normalizer.normalize("2024年9月14日iPhone 15賣3,000元，第三季成長12.5%"))
        #expect(
            tokens.map(\.text) == ["2024年", "9月", "14日", "iPhone", "15", "賣", "3,000", "元", ",", "第三", "季", "成長", "12.5%"])
        #expect(tokens.first { $0.text == "iPhone" }?.kind == .latin)
        #expect(tokens.first { $0.text == "3,000" }?.kind == .number)
        #expect(tokens.first { $0.text == "," }?.kind == .punctuation)
    }

    @Test(.enabled(if: TokenizerTests.hasEssay, "essay.txt (rime-essay) is absent: apt-get install rime-essay")) func lexiconWordsAreMarked() {
        let t = Tokenizer(lexicon: Self.lexicon)
        let tokens = t.tokenize("汐止淹水，台21線坍方")
        #expect(tokens.contains { $0.text == "淹水" && $0.kind == .lexicon }, "\(tokens)")
        #expect(tokens.contains { $0.text == "台21線" && $0.kind == .lexicon }, "\(tokens)")
    }

    @Test func surrogatePairsStayTogether() {
        let t = Tokenizer(lexicon: Self.lexicon)
        let text = "𠮷野家😱颱風𪚥天"
        let utf16 = Array(text.utf16)
        let tokens = t.tokenize(text)
        #expect(tokens.map(\.text).joined() == text)
        for tok in tokens {
            #expect(String(decoding: utf16[tok.start..<tok.end], as: UTF16.self) == tok.text)
            #expect(!UTF16.isTrailSurrogate(utf16[tok.start]))
        }
        #expect(tokens.contains { $0.text == "😱" && $0.kind == .emoji })
        #expect(tokens.contains { $0.text == "𠮷" && $0.kind != .emoji })
    }

    /// `count` distinct random words of two to five characters (new characters and supplementary planes included).
    static func randomWords(_ count: Int) -> Set<String> {
        let pool = Array("颱風豪雨淹水坍方停電停水撤離救援受困堰塞湖土石流𠮷𪚥鱻龘靐齉爩䨻ABC123")
        var words = Set<String>()
        while words.count < count {
            words.insert(String((0..<Int.random(in: 2...5)).map { _ in pool.randomElement()! }))
        }
        return words
    }

    @Test(.enabled(if: TokenizerTests.hasEssay, "essay.txt (rime-essay) is absent: apt-get install rime-essay")) func addedWordsStayWhole() {
        // A few hundred words the dictionary lacks are inserted into the double array in place; that relocates
        // existing cells, which must lose no word.
        let added = Self.randomWords(600)
        let t = Tokenizer(words: added)
        var broken: [String] = []
        for w in added where t.words(w) != [w] { broken.append("\(w) → \(t.words(w).joined(separator: "/"))") }
        #expect(broken.isEmpty, Comment(rawValue: broken.prefix(20).joined(separator: "\n")))
        #expect(t.words("學員唱起英文歌來") == ["學員", "唱起", "英文", "歌", "來"])
    }

    @Test func largeBatchRepacksTheDictionary() throws {
        // Thousands of added words repack the whole double array (not cached: this dictionary has no cache file).
        let dir = TempDir()
        let essay = dir.write("essay.txt", "學員\t900\n唱起\t300\n英文\t800\n歌\t700\n來\t900\n颱風\t1000\n")
        let d = try SegmentationDictionary.build(essay: URL(fileURLWithPath: essay), extraWords: [])
        let added = Self.randomWords(3000)
        let t = Tokenizer(words: added, dictionary: d)
        var broken: [String] = []
        for w in added where t.words(w) != [w] { broken.append("\(w) → \(t.words(w).joined(separator: "/"))") }
        #expect(broken.isEmpty, Comment(rawValue: broken.prefix(20).joined(separator: "\n")))
        #expect(t.words("學員唱起英文歌來") == ["學員", "唱起", "英文", "歌", "來"])
    }

    /// The first `count` words of essay.txt without digits or Latin letters: a word list the dictionary already
    /// has, so the tokenizers below add no cells (and write no cache file).
    static func essayWords(_ count: Int) -> [String] {
        guard let data = FileManager.default.contents(atPath: SegmentationDictionary.defaultEssayPath) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").lazy
            .compactMap { $0.split(separator: "\t").first.map(String.init) }
            .filter { w in w.count > 1 && w.unicodeScalars.allSatisfy { $0.value >= 0x3400 && $0.value < 0xA000 } }
            .prefix(count).map { $0 }
    }

    @Test(.enabled(if: TokenizerTests.hasEssay, "essay.txt (rime-essay) is absent: apt-get install rime-essay")) func largeRuntimeListSelectsWordListMode() {
        var lexicon = Self.lexicon
        lexicon.addWords(Self.essayWords(Tokenizer.wordListThreshold + 200))
        #expect(Tokenizer(lexicon: lexicon).mode == .wordList)
        var small = Self.lexicon
        small.addWords(["特別測試詞"])
        let t = Tokenizer(lexicon: small)
        #expect(t.mode == .standard)
        #expect(t.words("他說特別測試詞。").contains("特別測試詞"))
    }

    @Test(.enabled(if: TokenizerTests.hasEssay, "essay.txt (rime-essay) is absent: apt-get install rime-essay")) func lexiconWordsStayWholeInWordListMode() {
        let list = Set(["學員", "唱起", "英文", "歌", "來"] + Self.essayWords(Tokenizer.wordListThreshold + 200))
        let t = Tokenizer(lexiconWords: Self.lexicon.words, wordList: list)
        #expect(t.mode == .wordList)
        var broken: [String] = []
        for word in Self.lexicon.words where word.count > 1 {
            if t.words(word) != [word] { broken.append(word) }
            if !t.words("他說：\(word)。").contains(word) { broken.append("他說：\(word)。") }
        }
        #expect(broken.isEmpty, Comment(rawValue: broken.prefix(30).joined(separator: "\n")))
    }

    @Test func icuFallbackWithoutEssay() {
        let t = Tokenizer(lexicon: Self.lexicon, dictionary: nil)
        #expect(t.mode == nil)
        let words = t.words("新北市那瑪夏區出現堰塞湖，土石流警戒")
        for w in ["新北市", "那瑪夏區", "堰塞湖", "土石流警戒"] { #expect(words.contains(w), "\(words)") }
        #expect(!t.tokenize("iPhone 15 價格!").contains { $0.text.contains(" ") })
    }

    @Test func dictionaryCacheRoundTrip() throws {
        let dir = TempDir()
        let essay = dir.write("essay.txt", "颱風\t1000\n颱風天\t900\n停電\t800\n臺北\t500\n台北\t20\n爲了\t300\n的\t9000\n這個\t700\nＡ片\t3\n𠮷野\t2\n")
        let key = "test key"
        let built = try SegmentationDictionary.build(essay: URL(fileURLWithPath: essay), extraWords: ["那瑪夏區"])
        let file = URL(fileURLWithPath: dir.path("cache.bin"))
        try built.write(to: file, key: key)
        let loaded = try #require(SegmentationDictionary.read(from: file, key: key))
        #expect(SegmentationDictionary.read(from: file, key: "another key") == nil)
        #expect(loaded.cellCount == built.cellCount)
        #expect(loaded.unknownCost == built.unknownCost)
        // 臺北 is also 台北 (frequencies summed), 爲了 becomes 為了, lexicon words are in the trie.
        let t = Tokenizer(lexiconWords: ["那瑪夏區"], wordList: nil, dictionary: loaded)
        #expect(t.words("颱風天台北停電為了那瑪夏區") == ["颱風天", "台北", "停電", "為了", "那瑪夏區"])
        #expect(t.words("𠮷野") == ["𠮷野"])
        // A damaged file is rejected, not trusted.
        var bytes = try Data(contentsOf: file)
        bytes.removeLast(10)
        try bytes.write(to: file)
        #expect(SegmentationDictionary.read(from: file, key: key) == nil)
    }

    /// The segmentation costs are parameters (`SegmentationCosts`, tuned by `sieve-bench segment-tune`): a dearer
    /// per-character term splits words, a cheap name rule joins surname and given name.
    @Test func segmentationCostsMoveTheBoundaries() throws {
        let dir = TempDir()
        let essay = dir.write("essay.txt", "颱風\t1000\n颱風天\t900\n停電\t800\n天\t500\n颱\t50\n風\t50\n停\t50\n電\t50\n")
        let dictionary = try SegmentationDictionary.build(essay: URL(fileURLWithPath: essay), extraWords: [])
        var cheap = SegmentationCosts()
        cheap.standardPerChar = 0
        cheap.notInICU = 0
        var dear = SegmentationCosts()
        dear.standardPerChar = 20
        let long = Tokenizer(lexiconWords: [], wordList: nil, dictionary: dictionary, costs: cheap)
        let short = Tokenizer(lexiconWords: [], wordList: nil, dictionary: dictionary, costs: dear)
        #expect(long.words("颱風天停電") == ["颱風天", "停電"])
        #expect(short.words("颱風天停電") == ["颱", "風", "天", "停", "電"])
        #expect(Tokenizer(lexiconWords: [], wordList: nil, dictionary: dictionary).words("颱風天停電") == ["颱風", "天", "停電"])
        var name = SegmentationCosts()
        name.givenName2 = 1
        var noName = SegmentationCosts()
        noName.givenName1 = 100
        noName.givenName2 = 100
        #expect(Tokenizer(lexiconWords: [], wordList: nil, dictionary: dictionary, costs: name).words("王志明停電") == ["王志明", "停電"])
        #expect(Tokenizer(lexiconWords: [], wordList: nil, dictionary: dictionary, costs: noName).words("王志明停電") == ["王", "志", "明", "停電"])
    }

    @Test func cacheIsBuiltOnceThenLoaded() throws {
        let dir = TempDir()
        let essay = URL(fileURLWithPath: dir.write("essay.txt", "颱風\t1000\n停電\t800\n"))
        let cache = URL(fileURLWithPath: dir.path("cache"))
        let first = try SegmentationDictionary.loadOrBuild(essay: essay, lexiconDirectory: nil, cacheDirectory: cache)
        let second = try SegmentationDictionary.loadOrBuild(essay: essay, lexiconDirectory: nil, cacheDirectory: cache)
        #expect(!first.fromCache)
        #expect(second.fromCache)
        // Editing essay.txt changes its size and mtime: rebuilt.
        try Data("颱風\t1000\n停電\t800\n淹水\t600\n".utf8).write(to: essay)
        let third = try SegmentationDictionary.loadOrBuild(essay: essay, lexiconDirectory: nil, cacheDirectory: cache)
        #expect(!third.fromCache)
    }
}

@Suite("Typed tokens")
struct TypedTokenTests {
    @Test func urlsMentionsHashtagsEmojiAndNumbersStayWhole() throws {
        let t = Tokenizer(lexicon: try Lexicon.load(directory: TestPaths.lexicons))
        let tokens = t.tokenize("看這裡 https://www.cwa.gov.tw/V8/C/W/index.html 。@taipei_fire #颱風 #停班停課 淹水了😱👍🏽 3,000戶")
        func kind(_ s: String) -> Token.Kind? { tokens.first { $0.text == s }?.kind }
        #expect(kind("https://www.cwa.gov.tw/V8/C/W/index.html") == .url)
        #expect(kind("@taipei_fire") == .mention)
        #expect(kind("#颱風") == .hashtag)
        #expect(kind("#停班停課") == .hashtag)
        #expect(kind("😱") == .emoji)
        #expect(kind("👍🏽") == .emoji)
        #expect(kind("3,000") == .number)
        // Nothing is lost: the tokens cover every non-space character.
        #expect(tokens.map(\.text).joined() == "看這裡https://www.cwa.gov.tw/V8/C/W/index.html。@taipei_fire#颱風#停班停課淹水了😱👍🏽3,000戶")
        // A URL ending a sentence leaves the full stop outside.
        #expect(t.words("見 www.example.org/a.").contains("www.example.org/a"))
        // An e-mail-like @ inside a word is not a mention.
        #expect(t.tokenize("abc@def").allSatisfy { $0.kind != .mention })
    }
}
