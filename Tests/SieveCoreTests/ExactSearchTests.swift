import SieveCore
import Testing

@Suite("Exact substring search")
struct ExactSearchTests {
    @Test func findsCodePointsExactly() {
        #expect("網傳明天停班停課".containsExactly("停班停課"))
        #expect("網傳明天停班停課".containsExactly("網傳"))
        #expect(!"網傳明天停班停課".containsExactly("停課停班"))
        #expect("any".containsExactly(""))
        #expect(!"".containsExactly("x"))
        // Byte search never matches inside a character: 停 (E5 81 9C) and 傳 share no suffix/prefix trick here.
        #expect(!"停".containsExactly("\u{81}"))
        // Exact, not folded: Foundation's contains would also not match these, but case and width stay distinct.
        #expect(!"ＡＢＣ".containsExactly("ABC"))
        #expect(!"abc".containsExactly("ABC"))
        // Substrings (not contiguous-stored as a String) work too.
        let s = "台北市信義區淹水"
        #expect(s.dropFirst(3).containsExactly("信義"))
        #expect(!s.dropFirst(4).containsExactly("信義"))
    }
}
