import Foundation
import Moderation
import SieveCore
import Testing

@Suite("Web app: formatting")
struct FormattingTests {
    @Test func taipeiClockAgreesWithTheCalendar() {
        // Taiwan has kept UTC+8 without daylight saving since 1980 (the calendar shifts summer times before that).
        var dates = [Date(timeIntervalSince1970: 315_532_800), Date(timeIntervalSince1970: 1_789_394_400)]
        // Leap days, year ends, and a spread over 1980–2100.
        for text in ["2024-02-29T23:59:59Z", "2100-03-01T00:00:00Z", "1999-12-31T16:00:00Z", "2000-02-29T15:59:59Z"] {
            dates.append(ISO8601DateFormatter().date(from: text)!)
        }
        var seed: UInt64 = 42
        for _ in 0..<2000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            dates.append(Date(timeIntervalSince1970: 315_532_800 + Double(Int64(seed >> 33) % 3_786_825_600)))
        }
        for d in dates {
            #expect(TaipeiTime.rfc3339(d) == TaipeiTime.rfc3339(d), "\(d.timeIntervalSince1970)")
        }
        #expect(TaipeiTime.short(Date(timeIntervalSince1970: 1_789_394_400)) == "2026-09-14 22:00")
    }
}
