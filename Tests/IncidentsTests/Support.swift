import Classifier
import Foundation
import Incidents
import SieveCore
import Store
import TestSupport

/// The project's lexicon and shipped models, loaded once for all incident tests.
enum Fixture {
    static let lexicon: Lexicon = try! Lexicon.load(directory: TestPaths.lexicons)
    static let gazetteer = Gazetteer(lexicon: lexicon)
    static let classifier: PostClassifier = {
        let models = (try? ModelSet.load(directory: TestPaths.packageRoot.appendingPathComponent("Models").path)) ?? ModelSet()
        return PostClassifier(lexicon: lexicon, models: models)
    }()
    static let importer = IncidentImporter(gazetteer: gazetteer)

    static func date(_ s: String) -> Date { OfficialTime.parseISO(s)!.date }

    static func parse(_ text: String, name: String = "test.xml", format: IncidentFormat? = nil, reference: Date = Date()) async throws -> ParsedIncidents {
        try await importer.parse(Data(text.utf8), source: name, format: format, reference: reference)
    }

    static func referencer(_ database: AppDatabase) async throws -> CrossReferencer {
        let memory = RumourMemory(rumours: try await database.knownRumours(), tokenizer: classifier.tokenizer)
        return CrossReferencer(incidents: try await database.incidents(), rumours: memory, lexicon: lexicon)
    }

    static func check(_ xref: CrossReferencer, _ text: String, at time: String) -> XrefResult {
        let t = date(time)
        return xref.check(text: text, published: t, assessment: classifier.assess(title: nil, text: text, published: t))
    }

    /// A CAP 1.2 alert with the fields the tests vary.
    static func cap(
        id: String, sent: String = "2026-09-14T18:00:00+08:00", status: String = "Actual", msgType: String = "Alert",
        references: String? = nil, expires: String? = "2026-09-15T18:00:00+08:00", event: String = "豪雨",
        eventCode: String = "rainfall", areaDesc: String = "花蓮縣光復鄉", geocode: String? = "1001503",
        description: String = "花蓮縣光復鄉豪雨，請民眾注意。", extraArea: String = "", info: Bool = true
    ) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
          <identifier>\(id)</identifier>
          <sender>test@ncdr.nat.gov.tw</sender>
          <sent>\(sent)</sent>
          <status>\(status)</status>
          <msgType>\(msgType)</msgType>
          <scope>Public</scope>
          \(references.map { "<references>\($0)</references>" } ?? "")
          \(info ? """
          <info>
            <language>zh-TW</language>
            <category>Met</category>
            <event>\(event)</event>
            <urgency>Immediate</urgency>
            <severity>Severe</severity>
            <certainty>Observed</certainty>
            <eventCode><valueName>profile:CAP-TWP:Event:1.0</valueName><value>\(eventCode)</value></eventCode>
            <effective>\(sent)</effective>
            \(expires.map { "<expires>\($0)</expires>" } ?? "")
            <senderName>國家災害防救科技中心</senderName>
            <headline>\(event)</headline>
            <description>\(description)</description>
            <area>
              <areaDesc>\(areaDesc)</areaDesc>
              \(geocode.map { "<geocode><valueName>Taiwan_Geocode_103</valueName><value>\($0)</value></geocode>" } ?? "")
            </area>
            \(extraArea)
          </info>
          """ : "")
        </alert>
        """
    }
}
