import Foundation
import SieveCore
import Store

/// What one `publish` did on one channel.
public struct ChannelReport: Sendable, Equatable {
    public var channel: String
    public var path: String
    public var newlyPublished: Int
    public var total: Int
    public var error: String?
}

/// Delivers approved items to the configured channels. v0 knows one channel kind: an Atom file.
public struct ChannelPublisher: Sendable {
    public let database: AppDatabase
    public let channels: [ChannelConfig]

    /// Used when the config names no channel, so `sieve publish` still produces a feed.
    public static let defaultChannel = ChannelConfig(
        name: "community-feed", kind: .atom, path: "public/community.atom", title: "Sieve 已查證災情")

    public init(database: AppDatabase, channels: [ChannelConfig]) {
        self.database = database
        self.channels = channels.isEmpty ? [Self.defaultChannel] : channels
    }

    public func publishAll() -> [ChannelReport] {
        channels.map(publish)
    }

    func publish(_ channel: ChannelConfig) -> ChannelReport {
        let path = URL(fileURLWithPath: channel.path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        var report = ChannelReport(channel: channel.name, path: path, newlyPublished: 0, total: 0)
        do {
            let items = try database.publishableItems(channel: channel.name)
            let xml = AtomFeedWriter.render(channel: channel, items: items)
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // Write-then-rename: readers never see half a feed.
            try Data(xml.utf8).write(to: url, options: .atomic)
            let pending = try database.publications().filter { $0.channel == channel.name && $0.status == "pending" }
                .compactMap(\.id)
            try database.markPublished(pending)
            report.newlyPublished = pending.count
            report.total = items.count
        } catch {
            report.error = "\(path): \(error)"
            let pending = (try? database.publications().filter { $0.channel == channel.name && $0.status == "pending" }
                .compactMap(\.id)) ?? []
            try? database.markFailed(pending, error: "\(error)")
        }
        return report
    }
}
