import Foundation
import Net
import SieveCore
import Store

/// robots.txt per host: fetched once, cached in memory and in the Store. A 4xx means everything is allowed;
/// a 5xx or an unreachable server means nothing is, for `unreachableTTL` (RFC 9309 §2.3.1.3–4).
actor RobotsGate {
    let client: HTTPClient
    let database: any FrontierRepository
    let userAgent: String
    let ttl: Double = 24 * 3600
    let unreachableTTL: Double = 15 * 60
    private var cache: [String: (robots: RobotsTxt, expires: Date, reason: String?)] = [:]
    private var inFlight: [String: Task<(RobotsTxt, Date, String?), Never>] = [:]

    init(client: HTTPClient, database: any FrontierRepository) {
        self.client = client
        self.database = database
        self.userAgent = client.settings.userAgent
    }

    /// The rules for `hostKey` ("scheme://host:port"); when robots.txt was unreachable, why, and when to ask again.
    func rules(hostKey: String, options: FetchOptions) async -> (RobotsTxt, unreachable: (reason: String, until: Date)?) {
        let now = Date()
        if let c = cache[hostKey], c.expires > now { return (c.robots, c.reason.map { ($0, c.expires) }) }
        if let task = inFlight[hostKey] {
            let (r, expires, reason) = await task.value
            return (r, reason.map { ($0, expires) })
        }
        let task = Task { await self.load(hostKey: hostKey, options: options) }
        inFlight[hostKey] = task
        let (robots, expires, reason) = await task.value
        inFlight[hostKey] = nil
        cache[hostKey] = (robots, expires, reason)
        return (robots, reason.map { ($0, expires) })
    }

    private func load(hostKey: String, options: FetchOptions) async -> (RobotsTxt, Date, String?) {
        let now = Date()
        if let cached = try? await database.cachedRobots(host: hostKey, now: now) {
            return interpret(status: cached.status, body: cached.body, error: cached.error, expires: cached.expiresAt)
        }
        let url = Self.robotsURL(hostKey: hostKey)
        var status: Int?
        var body: Data?
        var error: String?
        var expires = now.addingTimeInterval(ttl)
        do {
            let r = try await client.fetch(url, options: options)
            status = r.status
            body = r.body
        } catch let e {
            switch e {
            case .httpStatus(_, let s) where s < 500: status = s  // 4xx: no robots.txt, all allowed
            case .throttled(_, let s, _), .httpStatus(_, let s): status = s; error = e.description
            default: error = e.description
            }
            if status == nil || status! >= 500 { expires = now.addingTimeInterval(unreachableTTL) }
        }
        try? await database.saveRobots(host: hostKey, status: status, body: body, error: error, expiresAt: expires, now: now)
        return interpret(status: status, body: body, error: error, expires: expires)
    }

    /// "https://host:443" → "https://host/robots.txt"; only a default port is dropped.
    static func robotsURL(hostKey: String) -> String {
        var key = hostKey
        if key.hasPrefix("https://") && key.hasSuffix(":443") { key.removeLast(4) }
        if key.hasPrefix("http://") && key.hasSuffix(":80") { key.removeLast(3) }
        return key + "/robots.txt"
    }

    private func interpret(status: Int?, body: Data?, error: String?, expires: Date) -> (RobotsTxt, Date, String?) {
        if let status, status >= 200 && status < 300 { return (RobotsTxt(body ?? Data()), expires, nil) }
        if let status, status >= 400 && status < 500 { return (.allowAll, expires, nil) }
        let why = "robots.txt unreachable (\(error ?? "HTTP \(status ?? 0)")): the host is treated as disallowed until "
            + ISO8601DateFormatter().string(from: expires)
        return (.disallowAll, expires, why)
    }
}
