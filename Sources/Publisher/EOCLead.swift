import Foundation
import SieveCore
import Store

/// What the generic webhook posts (the EOC's endpoint): one event about one item. Signed: the receiver checks
/// `X-Sieve-Signature: sha256=HEX` = HMAC-SHA256(secret, "<X-Sieve-Timestamp>.<body>") and de-duplicates on
/// `X-Sieve-Idempotency-Key` (also `delivery` in the body).
public struct WebhookPayload: Codable, Sendable, Equatable {
    /// "lead" (escalated, unverified), "published" (approved) or "retracted".
    public var event: String
    /// The delivery's idempotency key: the same on every retry of this event.
    public var delivery: String
    public var channel: String
    /// When this attempt was sent (Taipei time, RFC 3339).
    public var sentAt: String
    public var item: EOCLead
}

/// An item as the EOC receives it: where, what, who is hurt or trapped, what corroborates it, and what the
/// moderator said.
public struct EOCLead: Codable, Sendable, Equatable {
    public struct Place: Codable, Sendable, Equatable {
        public var name: String
        public var county: String?
        public var level: String
    }
    public struct Coordinates: Codable, Sendable, Equatable {
        public var latitude: Double
        public var longitude: Double

        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }
    public struct Person: Codable, Sendable, Equatable {
        public var kind: String
        public var count: Int?
        public var surface: String
    }
    /// Totals per kind where the post gives numbers (nil: mentioned without a number, or not at all).
    public struct Casualties: Codable, Sendable, Equatable {
        public var dead: Int?
        public var injured: Int?
        public var trapped: Int?
        public var missing: Int?
    }
    /// An official incident the cross-reference matched (best first): its id as its source gives it (EMIC
    /// CASE_ID, CAP identifier, CWA report number), kind, match score and a one-line summary.
    public struct Incident: Codable, Sendable, Equatable {
        public var id: Int64
        public var title: String?
        public var reports: Int?
        public var externalID: String?
        public var kind: String?
        public var score: Double?
    }

    public var id: Int64
    public var url: String?
    public var title: String?
    public var text: String
    /// The channel's rendered message.
    public var message: String
    public var source: String
    public var published: String?
    public var decidedAt: String
    public var types: [String]
    public var place: String?
    public var places: [Place]
    public var coordinates: Coordinates?
    public var people: [Person]
    public var casualties: Casualties
    public var incidents: [Incident]
    /// corroborated, contradicted or unconfirmed (nil before the cross-reference ran).
    public var verdict: String?
    public var note: String?

    public init(item: PublishableItem, message: String, incidents: [Incident] = []) {
        id = item.postID
        url = item.url
        title = item.title
        text = item.text
        self.message = message
        source = item.source
        published = item.published.map(TaipeiTime.rfc3339)
        decidedAt = TaipeiTime.rfc3339(item.approvedAt)
        types = item.types
        let names = MessageTemplate.placeNames(item)
        place = names.isEmpty ? nil : names.joined(separator: "、")
        places = item.places.map { Place(name: $0.name, county: $0.county, level: $0.level) }
        if let lat = item.latitude, let lon = item.longitude { coordinates = Coordinates(latitude: lat, longitude: lon) }
        people = item.people.map { Person(kind: $0.kind, count: $0.count, surface: $0.surface) }
        func total(_ kind: String) -> Int? {
            let counts = item.people.filter { $0.kind == kind }.compactMap(\.count)
            return counts.isEmpty ? nil : counts.reduce(0, +)
        }
        casualties = Casualties(dead: total("dead"), injured: total("injured"), trapped: total("trapped"), missing: total("missing"))
        self.incidents = incidents.isEmpty
            ? item.incidents.map { Incident(id: $0.incidentID, title: $0.summary, reports: nil, externalID: $0.externalID, kind: $0.kind.rawValue, score: $0.score) }
            : incidents
        verdict = item.verdict
        note = item.note
    }
}
