import COCR
import Dispatch
import Foundation

/// What OCR read from one picture.
public struct OCRResult: Sendable, Equatable {
    /// The text, cleaned for reading and matching: no spaces or line breaks between Chinese characters (Tesseract
    /// puts them between glyphs and where a line wrapped), runs of white space as one.
    public var text: String
    /// Tesseract's mean word confidence, 0–100.
    public var confidence: Int
    public var width: Int
    public var height: Int
}

/// Tesseract OCR (through the COCR shim), a pool of engines: one recognition per engine at a time, at most
/// `engines` at once, each on a Dispatch worker thread so a page that takes a second never holds one of Swift's
/// few cooperative threads. Engines load their language data on first use and stay loaded.
public final class OCR: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Tesseract language codes joined by "+". Traditional Chinese alone read best and fastest on the tuning set
        /// (BENCHMARKS.md "OCR": adding eng let Latin guesses replace bold Chinese lines; chi_sim added nothing).
        public var languages = "chi_tra"
        /// The tessdata folder; nil for Tesseract's default (Debian: /usr/share/tesseract-ocr/5/tessdata).
        public var dataPath: String?
        /// Pictures narrower than this are enlarged 2× before reading. Off (0): on the tuning set with page mode 4
        /// it gained nothing (0.968 with 1,000 against 0.970 without) and took three times as long.
        public var enlargeBelowWidth = 0
        public var engines = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Tesseract's page segmentation mode: 4 = one column of text of varying sizes (read best on the tuning set:
        /// 0.968 against 0.952 for 3, automatic; 6, one uniform block, 0.90).
        public var pageMode = 4
        /// A picture read with a mean confidence below this is read again enlarged 2×, and the reading with the
        /// higher confidence is kept: thin faces at small sizes read better enlarged. 0: never. Chosen on the
        /// tuning pictures (140 made from the far end of the text list, none in the benchmark): accuracy 0.9695 →
        /// 0.9743 at 90 (85: 0.9697, 95: 0.9733, always: 0.9733; AR PL UMing 0.951 → 0.985), for 1.7× the time.
        public var retryBelowConfidence = 90
        public init() {}
    }

    /// One C engine. `@unchecked Sendable`: the pool hands it to one caller at a time (checked out, used on one
    /// Dispatch thread, checked back in), which is what Tesseract's TessBaseAPI requires; it is never shared.
    final class Engine: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { sieve_ocr_delete(pointer) }
    }

    actor Pool {
        let settings: Settings
        var free: [Engine] = []
        var created = 0
        var waiters: [CheckedContinuation<Engine?, Never>] = []
        /// A failed load is remembered: every later call fails at once with the same reason.
        var failure: ImageError?

        init(settings: Settings) { self.settings = settings }

        /// An engine, or nil with `failure` set. Waits when all are busy.
        func checkout() async -> Result<Engine, ImageError> {
            if let failure { return .failure(failure) }
            if let e = free.popLast() { return .success(e) }
            if created < settings.engines {
                created += 1
                let made = await OCR.offload { () -> Result<Engine, ImageError> in
                    var err = [CChar](repeating: 0, count: 512)
                    guard let p = sieve_ocr_new(self.settings.dataPath, self.settings.languages, &err, err.count) else {
                        return .failure(.ocrUnavailable(GrayImage.message(err)))
                    }
                    return .success(Engine(p))
                }
                if case .failure(let e) = made {
                    failure = e
                    created -= 1
                    for w in waiters { w.resume(returning: nil) }
                    waiters.removeAll()
                }
                return made
            }
            guard let e = await withCheckedContinuation({ waiters.append($0) }) else {
                return .failure(failure ?? .ocrUnavailable("no engine"))
            }
            return .success(e)
        }

        func checkin(_ e: Engine) {
            if waiters.isEmpty { free.append(e) } else { waiters.removeFirst().resume(returning: e) }
        }
    }

    public let settings: Settings
    let pool: Pool

    public init(settings: Settings = Settings()) {
        self.settings = settings
        self.pool = Pool(settings: settings)
    }

    /// Runs blocking C work on a Dispatch worker thread and resumes the caller when it is done.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global(qos: .userInitiated).async { c.resume(returning: work()) } }
    }

    /// Reads the text in an encoded picture (PNG, JPEG, GIF, WebP, TIFF, BMP, PNM).
    public func read(_ data: Data) async throws(ImageError) -> OCRResult {
        try await read(GrayImage.decode(data))
    }

    public func read(_ image: GrayImage) async throws(ImageError) -> OCRResult {
        let engine: Engine
        switch await pool.checkout() {
        case .success(let e): engine = e
        case .failure(let e): throw e
        }
        let scale: Float = image.width < settings.enlargeBelowWidth ? 2 : 1
        let settings = settings
        let result = await Self.offload { () -> Result<OCRResult, ImageError> in
            func readOnce(_ scale: Float) -> Result<OCRResult, ImageError> {
                var text: UnsafeMutablePointer<CChar>?
                var confidence: Int32 = 0
                var err = [CChar](repeating: 0, count: 256)
                let code = image.pixels.withUnsafeBufferPointer { p in
                    sieve_ocr_read_gray(
                        engine.pointer, p.baseAddress, Int32(image.width), Int32(image.height), scale, Int32(settings.pageMode), &text, &confidence,
                        &err, err.count)
                }
                guard code == SIEVE_IMAGE_OK, let text else { return .failure(ImageError.from(code: code, message: GrayImage.message(err))) }
                defer { sieve_ocr_free(text) }
                return .success(OCRResult(text: OCR.clean(String(cString: text)), confidence: Int(confidence), width: image.width, height: image.height))
            }
            let first = readOnce(scale)
            guard case .success(let r) = first, scale == 1, r.confidence < settings.retryBelowConfidence else { return first }
            guard case .success(let enlarged) = readOnce(2), enlarged.confidence > r.confidence else { return first }
            return .success(enlarged)
        }
        await pool.checkin(engine)
        return try result.get()
    }

    /// "tesseract 5.3.0, leptonica-1.82.0".
    public static var versions: String { String(cString: sieve_ocr_versions()) }

    /// Loads one engine with `settings` and frees it: nil when OCR works, else why not (for `sieve doctor`).
    public static func unavailable(_ settings: Settings = Settings()) -> String? {
        var err = [CChar](repeating: 0, count: 512)
        guard let p = sieve_ocr_new(settings.dataPath, settings.languages, &err, err.count) else { return GrayImage.message(err) }
        sieve_ocr_delete(p)
        return nil
    }

    /// Drops the white space Tesseract puts between CJK characters and at wrapped lines; other runs of white space
    /// become one space (one line break where a line ended in Latin text).
    public static func clean(_ raw: String) -> String {
        let scalars = Array(raw.unicodeScalars)
        var out = String.UnicodeScalarView()
        var k = 0
        func isCJK(_ s: Unicode.Scalar) -> Bool {
            switch s.value {
            case 0x2E80...0x9FFF, 0xF900...0xFAFF, 0xFF00...0xFFEF, 0x20000...0x2FA1F, 0x3000...0x303F: return true
            default: return false
            }
        }
        while k < scalars.count {
            let s = scalars[k]
            if s.properties.isWhitespace {
                var j = k
                var newline = false
                while j < scalars.count, scalars[j].properties.isWhitespace {
                    if scalars[j] == "\n" { newline = true }
                    j += 1
                }
                let before = out.last
                let after = j < scalars.count ? scalars[j] : nil
                if let before, let after, !isCJK(before), !isCJK(after) { out.append(newline ? "\n" : " ") }
                k = j
                continue
            }
            out.append(s)
            k += 1
        }
        return String(out)
    }
}

/// A picture as Sieve uses it: its size, perceptual hashes, and the text in it.
public struct PictureReading: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// The whole picture's DCT hashes, 64 and 256 bits, trimmed and (when trimming took a frame off) untrimmed
    /// (`PerceptualHash.queryHashes`: what a query is matched with; the first is the picture's name).
    public var hashes: [ImageHash]
    /// With `views: true`: every hash a stored picture is matched by (`PerceptualHash.views` at 64 bits, then the
    /// same views at 256 bits), the whole picture first.
    public var views: [ImageHash]
    public var ocr: OCRResult?

    /// Decodes once, hashes, and reads the text (when `ocr` is given). An undecodable or oversized picture throws;
    /// so does OCR that is unavailable.
    public static func read(_ data: Data, ocr: OCR?, views: Bool = false) async throws(ImageError) -> PictureReading {
        let image = try GrayImage.decode(data)
        let hashes = PerceptualHash.queryHashes(image)
        let all = views ? PerceptualHash.views(image, kind: .dct64) + PerceptualHash.views(image, kind: .dct256) : []
        var reading = PictureReading(width: image.width, height: image.height, hashes: hashes, views: all, ocr: nil)
        if let ocr { reading.ocr = try await ocr.read(image) }
        return reading
    }
}
