/// The hand-written parts of the segmenter: character classes, the variant map applied to essay.txt, words that are
/// never dictionary entries, and the character sets of the number and person-name edges. They reproduce the
/// research prototype (seg.py, rules.py and lat.py of the segmentation study) character for character.
enum SegmenterRules {
    // MARK: Character classes (one 64K table, looked up once per code unit)

    static let digit: UInt16 = 1 << 0  // 0-9 and full-width ０-９
    static let latin: UInt16 = 1 << 1  // A-Z a-z and full-width
    static let numeral: UInt16 = 1 << 2  // Chinese numeral characters (○〇零一…萬億兩廿卅)
    static let numberSuffix: UInt16 = 1 << 3  // 月日時分秒點％% 號: attach to any number
    static let year: UInt16 = 1 << 4  // 年: attaches to digits, and to numerals of two or more characters
    static let surname: UInt16 = 1 << 5
    static let nameStop: UInt16 = 1 << 6  // characters that do not start or continue a given name
    static let dot: UInt16 = 1 << 7  // . ．
    static let han: UInt16 = 1 << 8  // U+4E00…U+9FFF
    static let parenNumeral: UInt16 = 1 << 9  // ○〇零一二三四五六七八九十 inside (一)
    static let openParen: UInt16 = 1 << 10
    static let closeParen: UInt16 = 1 << 11
    static let comma: UInt16 = 1 << 12  // ASCII ',' (thousands separator between digits)
    static let alnum: UInt16 = digit | latin

    static let charInfo: [UInt16] = {
        var t = [UInt16](repeating: 0, count: 1 << 16)
        func mark(_ chars: String, _ bit: UInt16) { for u in chars.utf16 { t[Int(u)] |= bit } }
        for u in 0x30...0x39 { t[u] |= digit }
        for u in 0xFF10...0xFF19 { t[u] |= digit }
        for u in 0x41...0x5A { t[u] |= latin }
        for u in 0x61...0x7A { t[u] |= latin }
        for u in 0xFF21...0xFF3A { t[u] |= latin }
        for u in 0xFF41...0xFF5A { t[u] |= latin }
        for u in 0x4E00...0x9FFF { t[u] |= han }
        mark("○〇零一二三四五六七八九十百千萬億兩廿卅", numeral)
        mark("月日時分秒點％%號", numberSuffix)
        mark("年", year)
        mark(surnames, surname)
        mark(nameStops, nameStop)
        mark(".．", dot)
        mark("○〇零一二三四五六七八九十", parenNumeral)
        mark("（(", openParen)
        mark("）)", closeParen)
        mark(",", comma)
        return t
    }()

    static let surnames =
        "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋鄧杜傅侯曹薛"
        + "丁卓阮馬董唐藍石蔣古紀姚連馮歐程湯田康姜白汪鄒尤巫鐘涂龔嚴韓袁金童陸夏柳邵錢伍倪溫于譚駱熊任甘秦顧毛章史官萬俞雷饒闕凌崔尹孔辛易左霍"
    static let nameStops =
        "的了是在和與也都就不有說為對於及等將並而被把讓向從到以之其這那我你他她們個上下中大小年月日時或但又再很最更已曾所因如若即則"
        + "、，。；：「」（）一二三四五六七八九十百千萬兩"

    static let di: UInt16 = 0x7B2C  // 第
    static let shi4: UInt16 = 0x4E16  // 世
    static let ji4: UInt16 = 0x7D00  // 紀

    @inline(__always) static func isLead(_ u: UInt16) -> Bool { u & 0xFC00 == 0xD800 }
    @inline(__always) static func isTrail(_ u: UInt16) -> Bool { u & 0xFC00 == 0xDC00 }

    // MARK: essay.txt normalisation

    /// Variant characters folded to the forms Taiwanese text uses (爲→為 …); all BMP, one unit to one.
    static let variants: [UInt16: UInt16] = {
        let pairs = Array(
            "爲為僞偽衆眾羣群祕秘峯峰啓啟溼濕牀床癡痴喫吃泄洩麪麵痹痺裏裡脣唇污汙豔艷着著綫線僱雇鉢缽鍼針擡抬竈灶糉粽覈核纔才潙溈嫺嫻".utf16)
        var map: [UInt16: UInt16] = [:]
        for i in stride(from: 0, to: pairs.count, by: 2) { map[pairs[i]] = pairs[i + 1] }
        return map
    }()
    static let oldTai: UInt16 = 0x81FA  // 臺 (essay words with it are also added with 台)
    static let tai: UInt16 = 0x53F0

    // MARK: Words that never count as dictionary words

    static let determiners = Set("一二三四五六七八九十兩幾這那每各某該此哪半整".utf16)
    static let measures = Set("個種次位項場件名家張條隻本部份篇所座間輛台支架批群類句頁層段片首把頭匹顆粒枝根塊封期屆回趟遍番股戶口倍".utf16)
    static let timeMeasures = Set("天年歲週元".utf16)
    static let adverbsBeforeShi = Set("不只也都像才正又更便卻竟仍亦皆最".utf16)
    static let deWords: Set<[UInt16]> = Set(["目的", "的確", "的士", "標的", "似的", "端的"].map { Array($0.utf16) })
    static let de: UInt16 = 0x7684  // 的
    static let shi: UInt16 = 0x662F  // 是

    /// Determiner + measure word (這個, 三天), adverb + 是 (也是), and words starting or ending with 的 (except 目的 …):
    /// the lattice builds them from their parts, which is how the segmentation standards count them.
    static func isBanned(_ w: [UInt16]) -> Bool {
        guard w.count >= 2 else { return false }
        if w.count == 2 {
            if determiners.contains(w[0]) && (measures.contains(w[1]) || timeMeasures.contains(w[1])) { return true }
            if w[1] == shi && adverbsBeforeShi.contains(w[0]) { return true }
        }
        if (w[w.count - 1] == de || w[0] == de) && scalarCount(w) >= 2 && !deWords.contains(w) { return true }
        return false
    }

    static func hasAlnum(_ w: [UInt16]) -> Bool { w.contains { charInfo[Int($0)] & alnum != 0 } }

    static func scalarCount(_ w: [UInt16]) -> Int { w.reduce(0) { $0 + (isTrail($1) ? 0 : 1) } }
}
