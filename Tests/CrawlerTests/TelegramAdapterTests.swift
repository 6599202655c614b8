import Crawler
import Foundation
import SieveCore
import Testing
import TestSupport

@Suite("Telegram adapter")
struct TelegramAdapterTests {
    let adapter = TelegramAdapter()
    let url = "https://t.me/s/ntpc_alerts"

    @Test func channelPreview() throws {
        let r = try adapter.extract(try fixture("telegram-channel.html"), url: url, headers: [:])
        #expect(r.warnings.isEmpty)
        // 1201 is a service message: skipped. 1206 is a photo without a caption: kept for its picture.
        #expect(r.posts.map(\.externalID) == [
            "telegram:ntpc_alerts/1202", "telegram:ntpc_alerts/1203", "telegram:ntpc_alerts/1204",
            "telegram:ntpc_alerts/1205", "telegram:ntpc_alerts/1206",
        ])
        let photoOnly = r.posts[4]
        #expect(photoOnly.text == "")
        #expect(photoOnly.pictures == ["https://cdn4.telesco.pe/file/s3c0ndPh0t0NoCapti0n.jpg"])
        for p in r.posts {
            #expect(p.author == "新北防災快訊")
            #expect(p.extra["channel"] == "ntpc_alerts")
            #expect(p.url == "https://t.me/ntpc_alerts/" + p.externalID.split(separator: "/").last!)
        }

        let flood = r.posts[0]
        #expect(flood.text == "⚠️ 汐止區康寧街、樟樹一路一帶積水約 50 公分\n請民眾避免開車進入，改道大同路\n#汐止 #積水")
        #expect(flood.published == taipei(2026, 9, 14, 21, 42, 18))
        #expect(flood.extra["views"] == "8.9K")
        #expect(flood.extra["photos"] == nil)

        // A photo's caption is its text.
        let photo = r.posts[1]
        #expect(photo.text == "基隆河社后橋段水位 7.8 公尺，已達二級警戒\n河濱公園全面封閉，請勿靠近")
        #expect(photo.extra["photos"] == "https://cdn4.telesco.pe/file/pH0t0aBcDeFgHiJkLmNoPqRsTuVwXyZ.jpg")
        #expect(photo.pictures == ["https://cdn4.telesco.pe/file/pH0t0aBcDeFgHiJkLmNoPqRsTuVwXyZ.jpg"])
        #expect(flood.pictures.isEmpty)
        #expect(photo.extra["views"] == "15.1K")

        let forwarded = r.posts[2]
        #expect(forwarded.text == "【停班停課】新北市明（15）日照常上班、照常上課。\n網傳「明天全台停班停課」訊息為假，請以人事行政總處公告為準。")
        #expect(forwarded.extra["forwardedFrom"] == "新北市政府（示範）")
        #expect(forwarded.extra["forwardedFromURL"] == "https://t.me/ntpc_gov_demo/8812")
        #expect(forwarded.published == taipei(2026, 9, 14, 22, 0, 2))

        // A reply: the quoted message is not part of the text.
        let reply = r.posts[3]
        #expect(reply.text == "更新：康寧街 120 巷有一家四口受困二樓，消防局已派橡皮艇前往\n附近民眾請讓出巷口")
        #expect(reply.extra["replyTo"] == "https://t.me/ntpc_alerts/1202")
        #expect(reply.extra["views"] == "21.7K")

        #expect(r.follow == [FollowLink(url: "https://t.me/s/ntpc_alerts?before=1201", role: .page)])
        // Stable: the same page again gives the same posts.
        #expect(try adapter.extract(try fixture("telegram-channel.html"), url: url + "?before=1210", headers: [:]).posts == r.posts)
    }

    @Test func pagingFallbacks() throws {
        let message = """
            <div class="tgme_widget_message js-widget_message" data-post="demo/7"><div class="tgme_widget_message_bubble">
            <div class="tgme_widget_message_text js-message_text">土石流警戒</div>
            <a class="tgme_widget_message_date" href="https://t.me/demo/7"><time datetime="2026-09-14T22:10:00+08:00" class="time">22:10</time></a>
            </div></div>
            """
        // data-before without href.
        let a = "<html><body><section class=\"tgme_channel_history\"><a class=\"tme_messages_more js-messages_more\" data-before=\"7\"></a>\(message)</section></body></html>"
        let ra = try adapter.extract(Data(a.utf8), url: "https://t.me/s/demo?q=%E5%9C%9F&after=3", headers: [:])
        #expect(ra.follow == [FollowLink(url: "https://t.me/s/demo?q=%E5%9C%9F&before=7", role: .page)])
        #expect(ra.posts.first?.published == taipei(2026, 9, 14, 22, 10))
        // Only <link rel="prev">.
        let b = "<html><head><link rel=\"prev\" href=\"/s/demo?before=7\"></head><body><section class=\"tgme_channel_history\">\(message)</section></body></html>"
        let rb = try adapter.extract(Data(b.utf8), url: "https://t.me/s/demo", headers: [:])
        #expect(rb.follow == [FollowLink(url: "https://t.me/s/demo?before=7", role: .page)])
        // The first message of a channel: nothing older, no channel title on the page → no author.
        let c = "<html><body><section class=\"tgme_channel_history\">\(message)</section></body></html>"
        let rc = try adapter.extract(Data(c.utf8), url: "https://t.me/s/demo", headers: [:])
        #expect(rc.follow.isEmpty)
        #expect(rc.posts.map(\.externalID) == ["telegram:demo/7"])
        #expect(rc.posts[0].author == nil)
        // An empty history (before=1) is not an error.
        let d = "<html><body><section class=\"tgme_channel_history js-message_history\"></section></body></html>"
        #expect(try adapter.extract(Data(d.utf8), url: "https://t.me/s/demo?before=1", headers: [:]) == AdapterResult())
    }

    @Test func notAChannelPreview() {
        let profile = """
            <html><body><div class="tgme_page"><div class="tgme_page_title"><span dir="auto">新北防災快訊</span></div>
            <a class="tgme_action_button_new" href="tg://resolve?domain=ntpc_alerts">View in Telegram</a></div></body></html>
            """
        for (body, needle) in [(profile, "profile page"), ("<html><body><h1>502 Bad Gateway</h1></body></html>", "not a t.me/s/"), ("", "empty")] {
            #expect {
                try adapter.extract(Data(body.utf8), url: url, headers: [:])
            } throws: { error in
                guard let e = error as? AdapterError else { return false }
                return e.url == url && e.message.contains(needle)
            }
        }
    }
}
