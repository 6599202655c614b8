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
    /// A moderator's one-line explanation (what is true instead), shown with the verdict.
    public var note: String?

    public init(id: Int64, claim: String, verdict: String, url: String?, origin: String, spreadCount: Int, note: String? = nil) {
        self.id = id
        self.claim = claim
        self.verdict = verdict
        self.url = url
        self.origin = origin
        self.spreadCount = spreadCount
        self.note = note
    }

    /// Fact-checkers' and moderators' words for "false" (Cofacts RUMOR, a moderator's rejection as rumour).
    public static func isDebunked(_ verdict: String) -> Bool {
        ["RUMOR", "RUMOUR", "FALSE", "謠言", "错误", "錯誤", "MISLEADING"].contains(verdict.uppercased())
    }
}

/// A picture a known rumour travels as: its perceptual hashes ("kind:hex": the whole picture, then the crops it is
/// also matched by), size, and the text OCR read from it.
public struct KnownRumourImage: Sendable, Equatable {
    public var rumourID: Int64
    public var hashes: [String]
    public var ocrText: String?
    public var width: Int
    public var height: Int

    public init(rumourID: Int64, hashes: [String], ocrText: String?, width: Int, height: Int) {
        self.rumourID = rumourID
        self.hashes = hashes
        self.ocrText = ocrText
        self.width = width
        self.height = height
    }
}

/// A checked claim to add to the memory (`sieve rumours add`): its text (or the picture's OCR text), verdict, a
/// note, where it came from, and optionally the picture.
public struct NewKnownRumour: Sendable, Equatable {
    public struct Image: Sendable, Equatable {
        /// "kind:hex", the whole picture first.
        public var hashes: [String]
        public var ocrText: String?
        public var width: Int
        public var height: Int
        public init(hashes: [String], ocrText: String?, width: Int, height: Int) {
            self.hashes = hashes
            self.ocrText = ocrText
            self.width = width
            self.height = height
        }
    }

    public var claim: String
    public var verdict: String
    public var note: String?
    public var url: String?
    public var origin: String
    public var image: Image?

    public init(claim: String, verdict: String = "RUMOR", note: String?, url: String? = nil, origin: String, image: Image? = nil) {
        self.claim = claim
        self.verdict = verdict
        self.note = note
        self.url = url
        self.origin = origin
        self.image = image
    }
}
