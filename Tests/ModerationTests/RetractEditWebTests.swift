import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Moderation
import SieveCore
import Store
import Testing
import TestSupport

/// Retract and edit from the item page (the same Store calls as `sieve retract` / `sieve edit`), audited.
@Suite("Web app: retract and edit")
struct RetractEditWebTests {
    @Test(arguments: Backend.available)
    func approvedItemIsEditedThenRetractedFromItsPage(_ backend: Backend) async throws {
        let f = try #require(try await WebFixture.on(backend))
        let id = f.id("flood")
        try await f.application().test(.router) { client in
            let mod = Browser(client)
            try await mod.login("mod")
            var page = try await mod.get("/items/\(id)")
            #expect(!page.body.contains("id=\"retract-form\""))  // open items are decided, not retracted
            let approve = try await mod.post(
                "/items/\(id)/decision", form: [("_csrf", page.csrf ?? ""), ("decision", "approve"), ("public_text", "汐止康寧街淹水")])
            #expect(approve.status == .seeOther)
            page = try await mod.get("/items/\(id)")
            #expect(page.body.contains("id=\"retract-form\"") && page.body.contains("id=\"edit-form\""))
            let csrf = try #require(page.csrf)

            // Edit: the newest approved wording is the new text; audited.
            #expect(try await mod.post("/items/\(id)/edit", form: [("_csrf", csrf), ("text", "  ")]).status == .badRequest)
            let edit = try await mod.post("/items/\(id)/edit", form: [("_csrf", csrf), ("text", "汐止康寧街積水已退"), ("note", "更正現況")])
            #expect(edit.location == "/items/\(id)?done=\(id):edit")
            #expect(try await f.database.itemDetail(id: id).publicText == "汐止康寧街積水已退")
            #expect(try await mod.get(try #require(edit.location)).body.contains("已修正公開文字"))

            // The EOC viewer sees neither form and cannot post them.
            let eoc = Browser(client)
            try await eoc.login("eoc")
            let eocPage = try await eoc.get("/items/\(id)")
            #expect(!eocPage.body.contains("id=\"retract-form\""))
            #expect(try await eoc.post("/items/\(id)/retract", form: [("_csrf", eocPage.csrf ?? ""), ("note", "x")]).status == .forbidden)
            // Without the session's CSRF token: refused.
            #expect(try await mod.post("/items/\(id)/retract", form: [("_csrf", "forged"), ("note", "x")]).status == .forbidden)

            // Retract needs a reason, then withdraws the item: nothing left to deliver but the retractions.
            #expect(try await mod.post("/items/\(id)/retract", form: [("_csrf", csrf)]).status == .badRequest)
            let retract = try await mod.post("/items/\(id)/retract", form: [("_csrf", csrf), ("note", "經查證為誤報")])
            #expect(retract.location == "/items/\(id)?done=\(id):retract")
            let detail = try await f.database.itemDetail(id: id)
            #expect(detail.row.item.state == PostState.retracted.rawValue)
            #expect(!detail.publications.contains { $0.action == "publish" && $0.status == "pending" })
            #expect(try await f.database.retraction(postID: id)?.note == "經查證為誤報")
            let audit = try await f.database.auditEntries(postId: id, limit: nil)
            #expect(audit.contains { $0.action == "edit" && $0.actor == "mod" })
            #expect(audit.contains { $0.action == "retract" && $0.actor == "mod" })
            // A retracted item can be neither retracted again nor edited.
            #expect(try await mod.post("/items/\(id)/retract", form: [("_csrf", csrf), ("note", "again")]).status == .conflict)
            #expect(try await mod.post("/items/\(id)/edit", form: [("_csrf", csrf), ("text", "x")]).status == .conflict)
            #expect(!(try await mod.get("/items/\(id)").body.contains("id=\"retract-form\"")))
        }
    }
}
