import Crawler
import Foundation
import SieveCore
import Store

/// robots.txt per host: fetched once, cached in memory and in the Store. A 4xx means everything is allowed;
/// a 5xx or an unreachable server means nothing is, for `unreachableTTL` (RFC 9309 §2.3.1.3–4).
actor RobotsGate {
    let client: HTTPClient
    let database: AppDatabase
    let userAgent: String
    let ttl: Double = 24 * 3600
    let unreachableTTL: Double = 15 * 60
    private var cache: [String: (robots: RobotsTxt, expires: Date, reason: String?)] = [:]
    private var inFlight: [String: Task<(RobotsTxt, Date, String?), Never>] = [:]

    init(client: HTTPClient, database: AppDatabase) {
        self.client = client
        self.database = database
        self.userAgent = client.settings.userAgent
    }

    /// The rules for `hostKey` ("scheme://host:port"), and why everything is disallowed when that is the case.
    func rules(hostKey: String, options: FetchOptions) async -> (RobotsTxt, String?) {
        let now = Date()
        if let c = cache[hostKey], c.expires > now { return (c.robots, c.reason) }
        if let task = inFlight[hostKey] {
            let (r, _, reason) = await task.value
            return (r, reason)
        }
        let task = Task { await self.load(hostKey: hostKey, options: options) }
        inFlight[hostKey] = task
        let (robots, expires, reason) = await task.value
        inFlight[hostKey] = nil
        cache[hostKey] = (robots, expires, reason)
        return (robots, reason)
    }

    private func load(hostKey: String, options: FetchOptions) async -> (RobotsTxt, Date, String?) {
        let now = Date()
        if let cached = try? database.cachedRobots(host: hostKey, now: now) {
            return interpret(status: cached.status, body: cached.body, error: cached.error, expires: cached.expiresAt)
        }
        let url = hostKey.replacingOccurrences(of: ":443", with: "").replacingOccurrences(of: ":80", with: "") + "/robots.txt"
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
        try? database.saveRobots(host: hostKey, status: status, body: body, error: error, expiresAt: expires, now: now)
        return interpret(status: status, body: body, error: error, expires: expires)
    }

    private func interpret(status: Int?, body: Data?, error: String?, expires: Date) -> (RobotsTxt, Date, String?) {
        if let status, status >= 200 && status < 300 { return (RobotsTxt(body ?? Data()), expires, nil) }
        if let status, status >= 400 && status < 500 { return (.allowAll, expires, nil) }
        let why = "robots.txt unreachable (\(error ?? "HTTP \(status ?? 0)")): the host is treated as disallowed until "
            + ISO8601DateFormatter().string(from: expires)
        return (.disallowAll, expires, why)
    }
}
