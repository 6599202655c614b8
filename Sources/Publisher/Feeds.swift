import Foundation
import SieveCore
import Store

/// The feed documents, rendered from the database: library functions so a web server can serve the same
/// bytes at stable URLs, and `sieve publish --feeds DIR` can write them as files.
public enum Feeds {
    /// File names used in a feeds folder (and suggested URL paths).
    public static let atomFile = "community.atom"
    public static let jsonFeedFile = "community.json"
    public static let geoJSONFile = "community.geojson"
    public static let kmlFile = "community.kml"
    public static let capFolder = "cap"
    public static let capIndexFile = "index.atom"

    public static func atom(_ database: any OutboxRepository, title: String = "Sieve 已查證災情") async throws(StoreError) -> String {
        AtomFeedWriter.render(channel: ChannelConfig(name: "feeds", kind: .atom, title: title), items: try await database.approvedItems())
    }

    public static func jsonFeed(_ database: any OutboxRepository, title: String = "Sieve 已查證災情", feedURL: String? = nil)
        async throws(StoreError) -> String
    {
        JSONFeedWriter.render(title: title, feedURL: feedURL, items: try await database.approvedItems())
    }

    public static func geoJSON(_ database: any OutboxRepository) async throws(StoreError) -> String {
        GeoJSONWriter.render(items: try await database.approvedItems())
    }

    public static func kml(_ database: any OutboxRepository, title: String = "Sieve 已查證災情") async throws(StoreError) -> String {
        KMLWriter.render(title: title, items: try await database.approvedItems())
    }

    /// Every CAP message about escalated, approved and retracted items (for the EOC).
    public static func capMessages(_ database: any OutboxRepository, channel: String? = nil) async throws(StoreError) -> [CAPMessage] {
        CAPWriter.messages(events: try await database.capEvents(channel: channel))
    }

    /// Writes every feed into `dir`; returns the paths written.
    public static func writeAll(to dir: String, database: any OutboxRepository, title: String = "Sieve 已查證災情") async throws -> [String] {
        let base = URL(fileURLWithPath: dir)
        var written: [String] = []
        for (name, text) in await [
            (atomFile, try atom(database, title: title)), (jsonFeedFile, try jsonFeed(database, title: title)),
            (geoJSONFile, try geoJSON(database)), (kmlFile, try kml(database, title: title)),
        ] {
            let path = base.appendingPathComponent(name).path
            try write(text, to: path)
            written.append(path)
        }
        await written += try writeCAP(try capMessages(database), folder: base.appendingPathComponent(capFolder).path, title: title + "（CAP）")
        return written
    }

    /// Writes one file channel's document(s) from what the outbox has delivered (or is delivering) on it.
    public static func writeChannel(_ channel: ChannelConfig, database: any OutboxRepository) async throws -> String {
        let path = absolutePath(channel.path)
        switch channel.kind {
        case .atom:
            try write(AtomFeedWriter.render(channel: channel, items: try await database.publishableItems(channel: channel.name)), to: path)
        case .jsonfeed:
            try write(JSONFeedWriter.render(title: channel.title, items: try await database.publishableItems(channel: channel.name)), to: path)
        case .geojson:
            try write(GeoJSONWriter.render(items: try await database.publishableItems(channel: channel.name)), to: path)
        case .kml:
            try write(KMLWriter.render(title: channel.title, items: try await database.publishableItems(channel: channel.name)), to: path)
        case .cap:
            _ = try await writeCAP(try capMessages(database, channel: channel.name), folder: path, title: channel.title)
        default:
            throw ChannelSetupError(description: "\(channel.display): \(channel.kind.rawValue) is not a file channel")
        }
        return path
    }

    static func writeCAP(_ messages: [CAPMessage], folder: String, title: String) throws -> [String] {
        var written: [String] = []
        for m in messages {
            let path = URL(fileURLWithPath: folder).appendingPathComponent(m.fileName).path
            try write(m.xml, to: path)
            written.append(path)
        }
        let index = URL(fileURLWithPath: folder).appendingPathComponent(capIndexFile).path
        try write(CAPWriter.index(title: title, messages: messages), to: index)
        return written + [index]
    }

    static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    /// Write-then-rename: readers never see half a file.
    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw ChannelSetupError(description: "\(path): cannot write (\(error.localizedDescription))")
        }
    }
}
