import Foundation
import Testing
import TestSupport

@testable import Classifier

/// The time and address patterns run only in windows around their marker characters (a speed-up); over every
/// real EMIC description they must find exactly what a run over the whole text finds.
@Suite("Extractor windows find what a whole-text match finds")
struct ExtractorWindowTests {
    /// The matches that say something (the time pattern's parts are all optional: it also matches bare spaces,
    /// which the extractor drops).
    func same(_ re: NSRegularExpression, _ text: String, windows: [NSRange]) -> Bool {
        let ns = text as NSString
        func meaningful(_ r: NSRange) -> Bool {
            r.length > 0 && !ns.substring(with: r).allSatisfy(\.isWhitespace)
        }
        let whole = re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map(\.range).filter(meaningful)
        let windowed = windows.flatMap { re.matches(in: text, range: $0) }.map(\.range).filter(meaningful)
        return whole == windowed
    }

    @Test func handWrittenCases() {
        for text in [
            "今天下午 3 點半新北市汐止區康寧街 169 巷 12 弄 5 號淹水", "9/3 晚上 21:30 台9線 85K 坍方", "明早  六 點",
            "凌晨2點半花蓮縣秀林鄉 台8線", "", "沒有時間也沒有地址", String(repeating: "路", count: 50) + "1號",
            "道路中斷", "中山大道100號", "中正路三段12巷5號旁道路中斷", "民生路二段", "縣道149甲線12.5K",
        ] {
            #expect(same(TimeExtractor.pattern, text, windows: TimeExtractor.windows(text)), "\(text)")
            #expect(
                same(AddressMatcher.pattern, text, windows: AddressMatcher.windows(text)),
                "\(text)")
        }
    }

    @Test(.enabled(if: TestPaths.has("emic/emic_cases_dev.csv"), "../shared/data/emic/emic_cases_dev.csv is absent")) func everyEMICDescription() throws {
        let path = try #require(TestPaths.sharedData("emic/emic_cases_dev.csv"))
        let data = try LabelledData.load(path: path.path, textColumn: "CASE_DESCRIPTION", labelColumn: "DISASTER_MAIN_TYPE")
        var differ: [String] = []
        for text in data.texts {
            let t = Normalizer.normalize(text)
            if !same(TimeExtractor.pattern, t, windows: TimeExtractor.windows(t))
                || !same(AddressMatcher.pattern, t, windows: AddressMatcher.windows(t))
            {
                differ.append(t)
            }
        }
        print("extractor windows: \(data.texts.count) EMIC descriptions, \(differ.count) differ")
        #expect(data.texts.count > 10_000)
        let count = differ.count
        #expect(count == 0, "first: \(differ.first.map { String($0.prefix(200)) } ?? "")")
    }
}
