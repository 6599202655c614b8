import Foundation
import SieveCore
import Store

/// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
public enum JSONFeedWriter {
    struct Feed: Encodable {
        var version = "https://jsonfeed.org/version/1.1"
        var title: String
        var home_page_url: String?
        var feed_url: String?
        var description: String
        var language = "zh-TW"
        var items: [Item]
    }
    struct Item: Encodable {
        var id: String
        var url: String?
        var title: String
        var content_text: String
        var date_published: String
        var date_modified: String?
        var tags: [String]
        var authors: [Author]
        var _sieve: Extension
    }
    struct Author: Encodable { var name: String }
    /// Custom extension (JSON Feed allows keys starting with "_"): where and who, for map and EOC readers.
    struct Extension: Encodable {
        var post_id: Int64
        var places: [String]
        var latitude: Double?
        var longitude: Double?
        var note: String?
    }

    public static func render(title: String, feedURL: String? = nil, homePageURL: String? = nil, items: [PublishableItem]) -> String {
        let feed = Feed(
            title: title, home_page_url: homePageURL, feed_url: feedURL, description: "Sieve：經社群管理員查證的災情資訊",
            items: items.map { item in
                var body = item.text
                if let note = item.note, !note.isEmpty { body += "\n\n審核備註：\(note)" }
                let places = MessageTemplate.placeNames(item)
                return Item(
                    id: "tag:sieve.local,2026:post/\(item.postID)", url: item.url.flatMap { $0.hasPrefix("http") ? $0 : nil },
                    title: MessageTemplate.headline(item), content_text: body,
                    date_published: TaipeiTime.rfc3339(item.published ?? item.approvedAt),
                    date_modified: TaipeiTime.rfc3339(item.approvedAt),
                    tags: item.types.compactMap { MessageTemplate.typeLabels[$0] } + places,
                    authors: [Author(name: item.source)],
                    _sieve: Extension(post_id: item.postID, places: places, latitude: item.latitude, longitude: item.longitude, note: item.note))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(feed)) ?? Data(), as: UTF8.self) + "\n"
    }
}

/// GeoJSON (RFC 7946): a FeatureCollection with one Point per item, coordinates [longitude, latitude]; items
/// without a position have a null geometry (allowed by RFC 7946 §3.2) so nothing is silently dropped.
public enum GeoJSONWriter {
    struct Collection: Encodable {
        var type = "FeatureCollection"
        var features: [Feature]
    }
    struct Feature: Encodable {
        var id: Int64
        var coordinates: [Double]?
        var properties: Properties
        enum Keys: String, CodingKey { case type, id, geometry, properties }
        struct Point: Encodable {
            var type = "Point"
            var coordinates: [Double]
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode("Feature", forKey: .type)
            try c.encode(id, forKey: .id)
            if let coordinates { try c.encode(Point(coordinates: coordinates), forKey: .geometry) } else { try c.encodeNil(forKey: .geometry) }
            try c.encode(properties, forKey: .properties)
        }
    }
    struct Properties: Encodable {
        var title: String
        var text: String
        var url: String?
        var source: String
        var published: String?
        var approved: String
        var types: [String]
        var places: [String]
        var note: String?
    }

    public static func render(items: [PublishableItem]) -> String {
        let collection = Collection(features: items.map { item in
            var coordinates: [Double]? = nil
            if let lat = item.latitude, let lon = item.longitude { coordinates = [lon, lat] }
            return Feature(
                id: item.postID, coordinates: coordinates,
                properties: Properties(
                    title: MessageTemplate.headline(item), text: item.text, url: item.url, source: item.source,
                    published: item.published.map(TaipeiTime.rfc3339), approved: TaipeiTime.rfc3339(item.approvedAt),
                    types: item.types, places: MessageTemplate.placeNames(item), note: item.note))
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(collection)) ?? Data(), as: UTF8.self) + "\n"
    }
}

/// KML 2.2: one Placemark per item that has a position (KML has no place for one without), with the text,
/// a Taipei-time TimeStamp and "lon,lat" coordinates.
public enum KMLWriter {
    public static func render(title: String, items: [PublishableItem]) -> String {
        let e = Markup.xml
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <kml xmlns="http://www.opengis.net/kml/2.2">
              <Document>
                <name>\(e(title))</name>

            """
        for item in items {
            guard let lat = item.latitude, let lon = item.longitude else { continue }
            var description = item.text
            if let note = item.note, !note.isEmpty { description += "\n\n審核備註：\(note)" }
            if let url = item.url, url.hasPrefix("http") { description += "\n\(url)" }
            out += "    <Placemark id=\"post-\(item.postID)\">\n"
            out += "      <name>\(e(MessageTemplate.headline(item)))</name>\n"
            out += "      <description>\(e(description))</description>\n"
            out += "      <TimeStamp><when>\(TaipeiTime.rfc3339(item.published ?? item.approvedAt))</when></TimeStamp>\n"
            out += "      <Point><coordinates>\(lon),\(lat)</coordinates></Point>\n"
            out += "    </Placemark>\n"
        }
        out += "  </Document>\n</kml>\n"
        return out
    }
}
