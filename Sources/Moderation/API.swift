import Foundation
import Hummingbird
import SieveCore
import Store

/// Any JSON value (the cross-reference stage's explanation and matches are passed through as they were stored).
enum JSONValue: Codable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(parsing text: String?) {
        guard let text, let data = text.data(using: .utf8),
            let value = try? JSONDecoder().decode(JSONValue.self, from: data)
        else {
            self = text.map { .string($0) } ?? .null
            return
        }
        self = value
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

struct APIPlace: Codable {
    var surface: String
    var name: String
    var level: String
    var county: String?
}

struct APIScores: Codable {
    var disaster: Double?
    var rumour: Double?
    var priority: Double?
    /// 災情通報 / 非災情 / 不確定 from a calibrated model (absent for older assessments).
    var disasterLabel: String? = nil
    var rumourLabel: String? = nil
    /// The EMIC main type the type model chose.
    var emicType: String? = nil
}

struct APIClaim: Codable {
    var user: String
    var until: String
}

struct APIQueueItem: Codable {
    var id: Int64
    var source: String
    var title: String?
    var text: String
    var url: String?
    var author: String?
    var published: String?
    var fetched: String
    var state: String
    var scores: APIScores
    var types: [String]
    var places: [APIPlace]
    var verdict: String?
    var clusterSize: Int
    var duplicateOf: Int64?
    var claim: APIClaim?
}

struct APIQueuePage: Codable {
    var items: [APIQueueItem]
    var page: Int
    var pageSize: Int
    var nextPage: Int?
}

struct APIReview: Codable {
    var decision: String
    var reviewer: String
    var reason: String?
    var note: String?
    var decidedAt: String
}

struct APICrossReference: Codable {
    var verdict: String
    var score: Double?
    var explanation: JSONValue
    var matches: JSONValue
}

struct APIPublication: Codable {
    var channel: String
    var status: String
}

struct APIItem: Codable {
    var item: APIQueueItem
    var reasons: [String]
    var model: String?
    var crossReference: APICrossReference?
    var cluster: [Int64]
    var reviews: [APIReview]
    var publicText: String?
    var publications: [APIPublication]
}

struct APIDecisionRequest: Codable {
    var decision: String
    var reason: String?
    var note: String?
    var channels: [String]?
    var publicText: String?
}

struct APISummary: Codable {
    var open: Int
    var queued: Int
    var escalated: Int
    var latestId: Int64
}

extension ModerationApp {
    static func apiItem(_ row: QueueRow) -> APIQueueItem {
        let item = row.item, a = item.assessment
        return APIQueueItem(
            id: item.id, source: item.source, title: item.title, text: item.text, url: item.url, author: item.author,
            published: item.published.map(TaipeiTime.rfc3339), fetched: TaipeiTime.rfc3339(item.fetchedAt),
            state: item.state, scores: APIScores(
                disaster: a?.disaster, rumour: a?.rumour, priority: item.priority, disasterLabel: a?.disasterLabel,
                rumourLabel: a?.rumourLabel, emicType: a?.emicType),
            types: a?.types ?? [],
            places: (a?.places ?? []).map { APIPlace(surface: $0.surface, name: $0.name, level: $0.level, county: $0.county) },
            verdict: row.xref?.verdict, clusterSize: item.clusterSize, duplicateOf: item.duplicateOf,
            claim: row.lock.map { APIClaim(user: $0.user, until: TaipeiTime.rfc3339($0.until)) })
    }

    /// GET /api/v1/queue: the same filters as the queue page (type, county, verdict, source, state, from, to, q,
    /// page, limit).
    @Sendable func apiQueue(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try requireUser(request, context)
        let (query, page) = try await runQuery(request)
        let body = await queueCache.json(for: query.filter) {
            let value = APIQueuePage(
                items: page.rows.map(Self.apiItem), page: page.page, pageSize: page.pageSize,
                nextPage: page.hasNext ? page.page + 1 : nil)
            return String(decoding: (try? APIJSON.encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
        }
        return Reply.bytes(body, contentType: "application/json; charset=utf-8")
    }

    /// GET /api/v1/queue/summary: counts for the queue page's live-update check.
    @Sendable func apiSummary(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try requireUser(request, context)
        let s = try await cachedSummary()
        return Reply.json(APISummary(open: s.open, queued: s.queued, escalated: s.escalated, latestId: s.latestID))
    }

    /// GET /api/v1/items/{id}.
    @Sendable func apiItem(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try requireUser(request, context)
        let d = try await database.itemDetail(id: try postID(context), now: Date())
        let x = d.row.xref
        return Reply.json(
            APIItem(
                item: Self.apiItem(d.row), reasons: d.row.item.assessment?.reasons ?? [],
                model: d.row.item.assessment?.model,
                crossReference: x.map {
                    APICrossReference(
                        verdict: $0.verdict, score: $0.score, explanation: JSONValue(parsing: $0.explanation),
                        matches: JSONValue(parsing: $0.matches))
                }, cluster: d.cluster.map(\.id),
                reviews: d.reviews.map {
                    APIReview(
                        decision: $0.decision, reviewer: $0.reviewer, reason: $0.reason, note: $0.note,
                        decidedAt: TaipeiTime.rfc3339($0.decidedAt))
                }, publicText: d.publicText,
                publications: d.publications.map { APIPublication(channel: $0.channel, status: $0.status) }))
    }

    /// POST /api/v1/items/{id}/decision with a JSON body; moderators and admins only.
    @Sendable func apiDecide(_ request: Request, _ context: WebContext) async throws -> Response {
        let auth = try requireDecider(request, context)
        try checkCSRF(auth, request, form: nil)
        let id = try postID(context)
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let body: APIDecisionRequest
        do {
            body = try APIJSON.decoder.decode(APIDecisionRequest.self, from: Data(buffer: buffer))
        } catch {
            throw WebError(status: .badRequest, message: "內容須是 JSON，例如 {\"decision\": \"approve\"}：{error}", args: ["error": Self.describe(error)])
        }
        guard let decision = ReviewDecision(rawValue: body.decision) else {
            throw WebError(status: .badRequest, message: "decision 須是 approve、reject 或 escalate，收到「{got}」", args: ["got": body.decision])
        }
        var d = WebDecision(decision: decision, note: body.note)
        switch decision {
        case .reject:
            guard let r = body.reason, let reason = RejectReason(rawValue: r) else {
                throw WebError(status: .badRequest, message: "退回需要原因 reason = not_disaster、rumour、duplicate 或 spam，收到「{got}」", args: ["got": body.reason ?? ""])
            }
            d.reason = reason
        case .approve:
            d.channels = try chosenChannels(body.channels ?? [], explicit: body.channels != nil)
            d.publicText = body.publicText
        case .escalate:
            d.channels = leadChannels
        }
        try await database.decide(postID: id, d, by: auth.user, ip: context.remoteIP, force: false, now: Date())
        queueChanged()
        let state = try await database.item(id: id).state
        return Reply.json(DecisionResult(id: id, state: state, stateLabel: Labels.state(state)))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        default: return "\(error)"
        }
    }
}
