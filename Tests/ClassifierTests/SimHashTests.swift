import Classifier
import Foundation
import Testing

@Suite("SimHash")
struct SimHashTests {
    static let rumour = "緊急通知！網傳明天全台停班停課，人事行政總處已經證實，請大家快分享給親朋好友知道"

    @Test func repostsAreNearAndOtherTextIsFar() throws {
        let a = try #require(SimHash.hash(Self.rumour))
        let variants = [
            Self.rumour.replacingOccurrences(of: "！", with: "!!!"),
            "【" + Self.rumour + "】",
            Self.rumour.replacingOccurrences(of: "全台", with: "全臺"),
            // The same chain message in Simplified Chinese.
            "紧急通知！网传明天全台停班停课，人事行政总处已经证实，请大家快分享给亲朋好友知道",
        ]
        for v in variants {
            let d = SimHash.distance(a, try #require(SimHash.hash(v)))
            print("simhash distance \(d): \(v.prefix(12))")
            #expect(d <= 3, "\(v)")
        }
        let other = try #require(SimHash.hash("新北市汐止區康寧街淹水及腰，一家五口受困二樓等待救援"))
        #expect(SimHash.distance(a, other) > 10)
        #expect(SimHash.hash("短") == nil)
        // Short posts have few features, so a longer addition can move more than 3 bits: SimHash alone does
        // not catch every repost (issue 5's TF-IDF matching complements it).
        for extra in ["喔", " 轉自LINE群組"] {
            let appended = try #require(SimHash.hash(Self.rumour + extra))
            print("simhash distance after appending \(extra.count) character(s) to a \(Self.rumour.count)-character post: \(SimHash.distance(a, appended))")
        }
    }
}
