/// One line of the classifier's reasons as data: the Traditional Chinese wording with `{placeholders}` (the key of
/// the app's catalogue, `Messages.appEnglish`) and its arguments, rendered in the reader's language. Words quoted
/// from the post stay as written; arguments that have a name in other languages say which (`names`: a message
/// key such as "type.flood", or "app:" and a phrase of the app's catalogue); an argument can be a note itself
/// (`parts`, e.g. the training-data source).
public struct ReasonNote: Sendable, Codable, Equatable {
    public var template: String
    public var args: [String: String]
    public var names: [String: String]?
    public var parts: [String: ReasonNote]?

    public init(_ template: String, _ args: [String: String] = [:], names: [String: String]? = nil, parts: [String: ReasonNote]? = nil) {
        self.template = template
        self.args = args
        self.names = names?.isEmpty == true ? nil : names
        self.parts = parts?.isEmpty == true ? nil : parts
    }

    public func render(_ lang: Language = .zhHant) -> String {
        guard !template.isEmpty else { return "" }
        var a = args
        for (k, part) in parts ?? [:] { a[k] = part.render(lang) }
        if lang != .zhHant {
            for (k, key) in names ?? [:] {
                if key.hasPrefix("app:") {
                    a[k] = Messages.app(String(key.dropFirst(4)), lang)
                } else if Messages.table[key] != nil {
                    a[k] = Messages.text(key, lang == .zhHant ? .zhHant : .en)
                }
            }
        }
        return Messages.app(template, lang, a)
    }
}
