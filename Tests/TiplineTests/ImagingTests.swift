import Foundation
import Imaging
import Incidents
import Testing
import TestSupport
import SieveCore
import Tipline

/// Synthetic pictures drawn here (no files): gradients, rectangles and discs in gray, like a photo's large shapes.
struct Canvas {
    var width: Int
    var height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, seed: UInt64) {
        self.width = width
        self.height = height
        var rng = SplitMix64(seed: seed)
        let a = Double(rng.next() % 256), b = Double(rng.next() % 256)
        // A gradient with texture across it (a photo's rows are never one flat colour).
        pixels = (0..<(width * height)).map { k in
            UInt8(max(0, min(255, a + (b - a) * Double(k / width) / Double(height) + 40 * sin(Double(k % width) / 9))))
        }
        for _ in 0..<(4 + Int(rng.next() % 8)) {
            let x0 = Int(rng.next() % UInt64(width)), y0 = Int(rng.next() % UInt64(height))
            let w = 20 + Int(rng.next() % UInt64(width / 2)), h = 20 + Int(rng.next() % UInt64(height / 2))
            let v = UInt8(rng.next() % 256)
            let disc = rng.next() % 2 == 0
            for y in max(0, y0)..<min(height, y0 + h) {
                for x in max(0, x0)..<min(width, x0 + w) {
                    if disc {
                        let dx = Double(x - x0 - w / 2) / Double(w / 2), dy = Double(y - y0 - h / 2) / Double(h / 2)
                        if dx * dx + dy * dy > 1 { continue }
                    }
                    pixels[y * width + x] = v
                }
            }
        }
    }

    var image: GrayImage { GrayImage(width: width, height: height, pixels: pixels) }

    /// Bilinear half size (not the hash's own box filter).
    func halved() -> GrayImage {
        let w = width / 2, h = height / 2
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let s = Int(pixels[2 * y * width + 2 * x]) + Int(pixels[2 * y * width + 2 * x + 1]) + Int(pixels[(2 * y + 1) * width + 2 * x])
                    + Int(pixels[(2 * y + 1) * width + 2 * x + 1])
                out[y * w + x] = UInt8(s / 4)
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// 10% of the area cut away, unevenly (more from the left and top).
    func cropped() -> GrayImage {
        let dx = width * 52 / 1000, dy = height * 52 / 1000
        let l = dx * 3 / 2, t = dy * 3 / 2, r = width - (2 * dx - l), b = height - (2 * dy - t)
        var out: [UInt8] = []
        for y in t..<b { out.append(contentsOf: pixels[(y * width + l)..<(y * width + r)]) }
        return GrayImage(width: r - l, height: b - t, pixels: out)
    }

    /// Inside a phone screenshot: a dark frame, a status bar and a toolbar.
    func framed(_ colour: UInt8 = 12) -> GrayImage {
        let side = max(8, width / 30), top = max(24, height / 12), bottom = max(30, height / 10)
        let w = width + 2 * side, h = height + top + bottom
        var out = [UInt8](repeating: colour, count: w * h)
        for y in 0..<height { for x in 0..<width { out[(y + top) * w + x + side] = pixels[y * width + x] } }
        return GrayImage(width: w, height: h, pixels: out)
    }
}

/// CRC-32 (PNG's), to build a PNG header by hand.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return ~c
}

/// A PNG that claims `width`×`height` pixels: signature, IHDR (valid CRC), a tiny IDAT, IEND.
func claimedPNG(width: UInt32, height: UInt32) -> Data {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let t = Array(type.utf8)
        return be(UInt32(body.count)) + t + body + be(crc32(t + body))
    }
    let ihdr = be(width) + be(height) + [8, 0, 0, 0, 0]  // 8-bit gray
    let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]
    return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", []))
}

@Suite struct ImagingTests {
    @Test func pngRoundTripsAndJPEGDecodes() throws {
        let picture = Canvas(width: 320, height: 240, seed: 1).image
        let png = try picture.encoded(as: .png)
        #expect(try GrayImage.decode(png) == picture)
        #expect(try GrayImage.probe(png) == (320, 240))
        let jpeg = try picture.encoded(as: .jpeg(quality: 40))
        let back = try GrayImage.decode(jpeg)
        #expect(back.width == 320 && back.height == 240)
        let meanError = zip(back.pixels, picture.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / picture.pixels.count
        #expect(meanError < 10, "JPEG quality 40 stays close: mean error \(meanError)")
    }

    @Test func badPicturesGetClearErrors() throws {
        #expect(throws: ImageError.unknownFormat("not a PNG, JPEG, GIF, WebP, TIFF, BMP or PNM image")) {
            try GrayImage.decode(Data("<html>not a picture</html>".utf8))
        }
        #expect(throws: ImageError.unknownFormat("not an image (fewer than 8 bytes)")) { try GrayImage.decode(Data([0x89, 0x50])) }
        // A PNG cut off in its pixels: the header reads, the pixels do not.
        let png = try Canvas(width: 200, height: 200, seed: 2).image.encoded(as: .png)
        do {
            _ = try GrayImage.decode(png.prefix(png.count / 2))
            Issue.record("a truncated PNG decoded")
        } catch {
            #expect(error == .decodeFailed("the image's pixels cannot be decoded (truncated or corrupt)"))
        }
    }

    @Test func decompressionBombIsRefusedFromItsHeader() throws {
        // 60,000 × 60,000 gray pixels = 3.6 GB decoded, from a file of 69 bytes.
        let bomb = claimedPNG(width: 60_000, height: 60_000)
        #expect(bomb.count < 100)
        let start = ContinuousClock.now
        #expect(throws: ImageError.self) { try GrayImage.decode(bomb) }
        do {
            _ = try GrayImage.decode(bomb)
        } catch {
            guard case .tooLarge(let message) = error else {
                Issue.record("expected tooLarge, got \(error)")
                return
            }
            #expect(message.contains("60000 x 60000"), "\(message)")
        }
        // Refused from the header: well under the time even one row of 60,000 pixels per decode would suggest.
        #expect(ContinuousClock.now - start < .seconds(5))
        // One side over 16,384 is refused even when the area is small.
        #expect(throws: ImageError.self) { try GrayImage.decode(claimedPNG(width: 20_000, height: 10)) }
    }

    @Test func trimmingRemovesScreenshotFrames() {
        let canvas = Canvas(width: 300, height: 200, seed: 3)
        let framed = canvas.framed()
        #expect(framed.width > 300)
        let trimmed = framed.trimmed()
        // The frame is gone, and the framed copy trims to the same rectangle as the original.
        #expect(abs(trimmed.width - 300) <= 4 && abs(trimmed.height - 200) <= 4, "\(trimmed.width)×\(trimmed.height)")
        let own = canvas.image.trimmed()
        #expect(own.width == trimmed.width && own.height == trimmed.height)
        // A frame inside a frame: white around black around the picture.
        let outer = GrayImage(
            width: framed.width + 40, height: framed.height + 40,
            pixels: (0..<((framed.width + 40) * (framed.height + 40))).map { k in
                let x = k % (framed.width + 40) - 20, y = k / (framed.width + 40) - 20
                return x >= 0 && y >= 0 && x < framed.width && y < framed.height ? framed.pixels[y * framed.width + x] : 250
            })
        let t2 = outer.trimmed()
        #expect(abs(t2.width - 300) <= 4 && abs(t2.height - 200) <= 4, "\(t2.width)×\(t2.height)")
        // A flat picture is not trimmed to nothing.
        let flat = GrayImage(width: 50, height: 40, pixels: [UInt8](repeating: 128, count: 2000))
        #expect(flat.trimmed().width == 8 && flat.trimmed().height == 8)
    }

    @Test func hashRecognisesResharedPicturesAndNotOthers() throws {
        let threshold = RumourPictures.Settings().distance64
        var hits = 0, tries = 0
        var stored: [[ImageHash]] = []
        for seed in 0..<40 {
            let canvas = Canvas(width: 400, height: 300, seed: UInt64(100 + seed))
            let views = PerceptualHash.views(canvas.image)
            // 26 views (the whole and 25 crops), 26 more of the untrimmed picture when trimming took an edge off.
            let t = canvas.image.trimmed()
            let expected = t.width == 400 && t.height == 300 ? 26 : 52
            #expect(views.count == expected && views.allSatisfy { $0.kind == .dct64 })
            stored.append(views)
            #expect(PerceptualHash.views(canvas.image, kind: .dct256).count == expected)
            let jpeg = try GrayImage.decode(try canvas.image.encoded(as: .jpeg(quality: 40)))
            for variant in [canvas.halved(), jpeg, canvas.cropped(), canvas.framed(), canvas.framed(240)] {
                tries += 1
                let h = PerceptualHash.hash(variant)
                if views.compactMap({ h.distance($0) }).min()! <= threshold { hits += 1 }
            }
        }
        #expect(Double(hits) / Double(tries) >= 0.95, "recall \(hits)/\(tries)")
        // Different pictures: the whole of one against every view of another.
        var close = 0, pairs = 0
        for i in stored.indices {
            for j in stored.indices where j != i {
                pairs += 1
                if stored[j].compactMap({ stored[i][0].distance($0) }).min()! <= threshold { close += 1 }
            }
        }
        #expect(Double(close) / Double(pairs) <= 0.01, "false matches \(close)/\(pairs)")
        // Text form round trip, and kinds never compare.
        let h = stored[0][0]
        #expect(ImageHash(h.description) == h)
        #expect(ImageHash("dct256:xyz") == nil)
        #expect(h.distance(PerceptualHash.hash(Canvas(width: 100, height: 100, seed: 1).image, kind: .dct256)) == nil)
    }

    @Test func ocrTextIsCleanedOfTesseractSpacing() {
        #expect(OCR.clean("網 傳 明 天\n停 班 停 課 ， 請 勿 轉 傳") == "網傳明天停班停課，請勿轉傳")
        #expect(OCR.clean("LINE  group\nhttps://x.tw  今天") == "LINE group\nhttps://x.tw今天")
        #expect(OCR.clean("  \n ") == "")
    }

    /// A notice-like picture (a block of "text" on a white page): cropped 10% BEFORE it is trimmed — the left edge
    /// cut into the text, the right only into the margin — its trimmed content is no 90% crop of the stored one's
    /// trimmed content. The untrimmed views and the query's untrimmed hashes are what recognise it; a different
    /// notice on the same white page is still not that picture.
    @Test func aNoticeCroppedBeforeItsTrimIsRecognised() throws {
        func notice(seed: UInt64) -> GrayImage {
            let (w, h) = (400, 300)
            var pixels = [UInt8](repeating: 250, count: w * h)
            let text = photoPixels(width: 320, height: 220, seed: seed)
            for y in 0..<220 { for x in 0..<320 { pixels[(y + 40) * w + x + 20] = text[y * 320 + x] / 2 } }
            return GrayImage(width: w, height: h, pixels: pixels)
        }
        let original = notice(seed: 3)
        let stored = KnownRumourImage(
            rumourID: 1, hashes: (PerceptualHash.views(original) + PerceptualHash.views(original, kind: .dct256)).map(\.description), ocrText: nil,
            width: 400, height: 300)
        #expect(stored.hashes.count == 104, "26 views trimmed + 26 untrimmed, at 64 and 256 bits")
        // 40 px off the left (into the text), 0 off the right (the margin); 15 px off the top and bottom.
        var pixels: [UInt8] = []
        for y in 15..<285 { pixels.append(contentsOf: original.pixels[(y * 400 + 40)..<(y * 400 + 400)]) }
        let cropped = GrayImage(width: 360, height: 270, pixels: pixels)
        let index = RumourPictures([stored])
        #expect(index.matches(PerceptualHash.queryHashes(cropped), text: nil).map(\.rumourID) == [1])
        #expect(index.matches(PerceptualHash.queryHashes(notice(seed: 4)), text: nil).isEmpty)
    }

    /// A reading less confident than `retryBelowConfidence` is read again enlarged 2×, and the more confident of the
    /// two is kept: with the threshold above any confidence, the result is exactly the better of a plain and an
    /// enlarged reading; with 0 it is the plain one.
    @Test(.enabled(if: Renderer.available && OCR.unavailable() == nil, "needs .venv (make pyenv), CJK fonts and tesseract-ocr-chi-tra"))
    func aDoubtfulReadingIsReadAgainEnlarged() async throws {
        let dir = TempDir()
        // A thin Ming face at a small size: the case the retry is for.
        try await Renderer.render(["notice", "颱風外圍環流影響，北部山區今晚有豪雨，請民眾注意坍方與落石。", "--font", "uming", "--size", "18", "--out", dir.path("n.png"), "--seed", "5"])
        let image = try GrayImage.decode(try Data(contentsOf: URL(fileURLWithPath: dir.path("n.png"))))
        func read(retry: Int, enlargeBelow: Int = 0) async throws -> OCRResult {
            var settings = OCR.Settings()
            settings.engines = 1
            settings.retryBelowConfidence = retry
            settings.enlargeBelowWidth = enlargeBelow
            return try await OCR(settings: settings).read(image)
        }
        let plain = try await read(retry: 0), enlarged = try await read(retry: 0, enlargeBelow: 100_000)
        // On this picture the enlarged reading is the more confident one, so the retry changes the answer.
        #expect(enlarged.confidence > plain.confidence, "plain \(plain.confidence) \(plain.text) / enlarged \(enlarged.confidence) \(enlarged.text)")
        let best = try await read(retry: 101)
        #expect(best == (enlarged.confidence > plain.confidence ? enlarged : plain))
        #expect(try await read(retry: 0) == plain)
    }
}
