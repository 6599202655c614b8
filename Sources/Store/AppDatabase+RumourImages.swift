import Foundation
import GRDB
import SieveCore

extension AppDatabase {
    /// "v11-rumour-images": a known rumour can carry pictures (the screenshot or photo it travels as: its 64-bit
    /// perceptual hash, size and the text OCR read from it), and a moderator's note (the one-line explanation a
    /// tipline answers with).
    static func migrateRumourImages(_ db: Database) throws {
        try db.alter(table: "knownRumour") { t in t.add(column: "note", .text) }
        try db.create(table: "knownRumourImage") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("rumourId", .integer).notNull().references("knownRumour", onDelete: .cascade)
            t.column("hash", .text).notNull()  // "kind:hex" of the whole picture
            t.column("views", .jsonText).notNull()  // every "kind:hex" it is matched by (the whole, then crops)
            t.column("ocrText", .text)
            t.column("width", .integer).notNull()
            t.column("height", .integer).notNull()
            t.column("createdAt", .datetime).notNull()
            t.uniqueKey(["rumourId", "hash"])
        }
    }

    /// Adds one checked claim — text, picture or both — as a moderator does from the CLI (`sieve rumours add`).
    /// A claim already known gets the picture and note added to it. Returns the rumour's id and whether it is new.
    @discardableResult
    public func addKnownRumour(_ rumour: NewKnownRumour, now: Date = Date()) async throws(StoreError) -> (id: Int64, isNew: Bool) {
        try await write { tx in
            var isNew = false
            let existing = try await tx.scalar("SELECT id FROM knownRumour WHERE claim = ?", [rumour.claim], as: Int64.self)
            let id: Int64
            if let existing {
                id = existing
                if let note = rumour.note {
                    try await tx.execute("UPDATE knownRumour SET note = ?, verdict = ? WHERE id = ?", [note, rumour.verdict, id])
                }
            } else {
                guard
                    let new = try await tx.scalar(
                        """
                        INSERT INTO knownRumour (claim, verdict, url, origin, note, createdAt) VALUES (?, ?, ?, ?, ?, ?)
                        RETURNING id
                        """, [rumour.claim, rumour.verdict, rumour.url, rumour.origin, rumour.note, now], as: Int64.self)
                else { throw StoreError.database("knownRumour: the insert returned no id") }
                id = new
                isNew = true
            }
            if let image = rumour.image {
                try await tx.execute(
                    """
                    INSERT INTO knownRumourImage (rumourId, hash, views, ocrText, width, height, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (rumourId, hash) DO NOTHING
                    """, [id, image.hashes.first ?? "", Self.jsonArray(image.hashes), image.ocrText, image.width, image.height, now])
            }
            try await Self.markQueueForCrossReference(tx)
            return (id, isNew)
        }
    }

    static func jsonArray(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Every picture of a known rumour, oldest first.
    public func knownRumourImages() async throws(StoreError) -> [KnownRumourImage] {
        try await read { tx in
            try await tx.rows("SELECT rumourId, views, ocrText, width, height FROM knownRumourImage ORDER BY id").map { r in
                let views = (try? JSONDecoder().decode([String].self, from: Data((try r["views"] as String).utf8))) ?? []
                return KnownRumourImage(
                    rumourID: try r["rumourId"], hashes: views, ocrText: try r["ocrText"], width: try r["width"], height: try r["height"])
            }
        }
    }
}
