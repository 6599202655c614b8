import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// The web app on an exercise store (a drill): the banner on every HTML page, the header on every response, no
/// public page; on a production store none of it.
@Suite("Web app: exercise stores")
struct ExerciseModeTests {
    @Test func anExerciseStoreIsMarkedOnEveryPageAndKeepsThePublicPageEmpty() async throws {
        let f = try await WebFixture(seeds: [])
        let info = ExerciseInfo(
            scenario: "typhoon-test", title: "測試颱風", scenarioStart: Date(), speed: 60, baseWall: Date(), baseOffset: 0, state: .running,
            endOffset: 3600)
        try await f.database.beginExercise(info, events: [])
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let login = try await b.get("/login")
            #expect(login.body.contains("class=\"exercise-banner\"") && login.body.contains("【演習】測試颱風"))
            #expect(login.body.contains("class=\"exercise\"") && login.headers[HTTPField.Name("X-Sieve-Exercise")!] == "typhoon-test")
            let missing = try await b.get("/no-such-page")
            #expect(missing.headers[HTTPField.Name("X-Sieve-Exercise")!] == "typhoon-test")
            let page = try await b.get("/public")
            #expect(page.status == .ok && page.body.contains("公開頁面不顯示演習內容"))
            let health = try await b.get("/healthz")
            #expect(health.headers[HTTPField.Name("X-Sieve-Exercise")!] == "typhoon-test")
        }
    }

    /// The trainer (an admin) pauses, changes the speed and injects a post from /drill; moderators cannot.
    @Test func theTrainerControlsTheDrillFromTheWebApp() async throws {
        let f = try await WebFixture(seeds: [])
        let start = Date().addingTimeInterval(-60)
        let info = ExerciseInfo(
            scenario: "typhoon-test", title: "測試颱風", scenarioStart: start, speed: 60, baseWall: start, baseOffset: 0, state: .running,
            endOffset: 86_400)
        try await f.database.beginExercise(info, events: [])
        try await f.application().test(.router) { client in
            let mod = Browser(client)
            try await mod.login("mod")
            #expect(try await mod.get("/drill").status == .forbidden)
            let trainer = Browser(client)
            try await trainer.login("admin")
            let page = try await trainer.get("/drill")
            #expect(page.status == .ok && page.body.contains("演習控制：測試颱風") && page.body.contains("速度 60×"))
            let csrf = page.csrf ?? ""
            #expect(try await trainer.post("/drill/control", form: [("_csrf", csrf), ("action", "pause")]).status == .seeOther)
            let paused = try await f.database.exercise()
            #expect(paused?.state == .paused && (paused?.baseOffset ?? 0) >= 3600 - 60)  // a minute at 60×
            #expect(try await trainer.post("/drill/control", form: [("_csrf", csrf), ("action", "speed"), ("speed", "120")]).status == .seeOther)
            #expect(try await f.database.exercise()?.speed == 120)
            #expect(try await trainer.post("/drill/control", form: [("_csrf", csrf), ("action", "speed"), ("speed", "-1")]).status == .badRequest)
            let injected = try await trainer.post(
                "/drill/control", form: [("_csrf", csrf), ("action", "inject"), ("channel", "ptt"), ("truth", "rumour"), ("text", "網傳水庫潰堤")])
            #expect(injected.status == .seeOther)
            let events = try await f.database.exerciseEvents()
            #expect(events.count == 1 && events[0].truth == "rumour" && events[0].expect == "reject" && events[0].origin == "injected")
            #expect(try await trainer.post("/drill/control", form: [("action", "pause")]).status == .forbidden)  // no CSRF token
        }
    }

    @Test func aProductionStoreHasNoBanner() async throws {
        let f = try await WebFixture()
        try await f.application().test(.router) { client in
            let b = Browser(client)
            let login = try await b.get("/login")
            #expect(!login.body.contains("exercise-banner") && login.headers[HTTPField.Name("X-Sieve-Exercise")!] == nil)
            #expect(!(try await b.get("/public")).body.contains("演習"))
        }
    }
}
