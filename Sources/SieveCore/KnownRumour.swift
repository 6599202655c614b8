/// A claim already checked (a debunked rumour, or a fact-check's verdict), as the cross-reference matches posts
/// against it: what was claimed, the verdict, where the check is published, where it came from, and how many posts
/// have repeated it.
public struct KnownRumour: Sendable, Equatable {
    public var id: Int64
    /// What the rumour says (its text, as imported or as a moderator rejected it).
    public var claim: String
    public var verdict: String
    public var url: String?
    public var origin: String
    public var spreadCount: Int

    public init(id: Int64, claim: String, verdict: String, url: String?, origin: String, spreadCount: Int) {
        self.id = id
        self.claim = claim
        self.verdict = verdict
        self.url = url
        self.origin = origin
        self.spreadCount = spreadCount
    }
}
