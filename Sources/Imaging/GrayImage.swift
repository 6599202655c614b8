import COCR
import Foundation

/// Why an image could not be used. Says what was wrong; the caller adds where (file, URL, tip).
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not PNG, JPEG, GIF, WebP, TIFF, BMP or PNM.
    case unknownFormat(String)
    /// Over the pixel limits (checked on the header, before decoding: a 1 KB file can claim 60,000 × 60,000).
    case tooLarge(String)
    case decodeFailed(String)
    /// Tesseract or its language data is missing.
    case ocrUnavailable(String)

    public var description: String {
        switch self {
        case .unknownFormat(let m), .tooLarge(let m), .decodeFailed(let m): return m
        case .ocrUnavailable(let m): return "OCR unavailable: \(m)"
        }
    }

    static func from(code: Int32, message: String) -> ImageError {
        switch Int(code) {
        case Int(SIEVE_IMAGE_UNKNOWN_FORMAT): return .unknownFormat(message)
        case Int(SIEVE_IMAGE_TOO_LARGE): return .tooLarge(message)
        case Int(SIEVE_OCR_INIT_FAILED): return .ocrUnavailable(message)
        default: return .decodeFailed(message)
        }
    }
}

/// An 8-bit grayscale picture (luminance), row by row.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixels do not match \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The largest image Sieve decodes (pixels in all; 16,384 a side).
    public static let maxPixels = Int(SIEVE_IMAGE_MAX_PIXELS)

    /// Width and height from the header alone (nothing decoded).
    public static func probe(_ data: Data) throws(ImageError) -> (width: Int, height: Int) {
        var w: Int32 = 0
        var h: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        let code = data.withUnsafeBytes { raw in
            sieve_image_probe(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &w, &h, &err, err.count)
        }
        guard code == SIEVE_IMAGE_OK else { throw ImageError.from(code: code, message: Self.message(err)) }
        return (Int(w), Int(h))
    }

    /// Decodes PNG, JPEG, GIF (first frame), WebP, TIFF, BMP or PNM through Leptonica.
    public static func decode(_ data: Data) throws(ImageError) -> GrayImage {
        var out: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0
        var h: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        let code = data.withUnsafeBytes { raw in
            sieve_image_gray(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &out, &w, &h, &err, err.count)
        }
        guard code == SIEVE_IMAGE_OK, let out else { throw ImageError.from(code: code, message: Self.message(err)) }
        defer { sieve_ocr_free(out) }
        return GrayImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: out, count: Int(w) * Int(h))))
    }

    static func message(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Without frames of one colour around it (a screenshot's black or white border, a status bar's background,
    /// a notice's margin), edge by edge, repeated until nothing changes. A row or column is part
    /// of a frame when at most 2% of its 4-pixel runs differ from the edge's colour by more than `tolerance` on
    /// average. Stops at 8 pixels (a flat picture keeps a flat 8×8): a limit relative to the picture's own size
    /// would trim a framed copy differently from its original. Known weakness: a picture whose edge is a smooth
    /// gradient (a clear sky) is trimmed into, and a cropped copy can stop at another row (BENCHMARKS.md).
    public func trimmed(tolerance: Int = 24) -> GrayImage {
        var top = 0, bottom = height, left = 0, right = width
        // Compared by means of 4-pixel runs, so JPEG's ringing along an edge does not stop the trim in one copy
        // and not in another.
        func isFlat(row y: Int? = nil, column x: Int? = nil, _ colour: Int) -> Bool {
            var off = 0, runs = 0
            var k = y != nil ? left : top
            let end = y != nil ? right : bottom
            while k < end {
                let stop = min(end, k + 4)
                var sum = 0
                for j in k..<stop { sum += Int(y != nil ? pixels[y! * width + j] : pixels[j * width + x!]) }
                if abs(sum / (stop - k) - colour) > tolerance { off += 1 }
                runs += 1
                k = stop
            }
            return off <= max(1, runs / 50)
        }
        func median(_ values: [UInt8]) -> Int { Int(values.sorted()[values.count / 2]) }
        let minH = min(height, 8), minW = min(width, 8)
        // Until nothing changes: a frame inside a frame goes too, and the result depends on the picture only,
        // not on how many frames were around it (the original and its screenshot trim to the same rectangle).
        for _ in 0..<64 {
            let before = (top, bottom, left, right)
            var c = median(Array(pixels[(top * width + left)..<(top * width + right)]))
            while bottom - top > minH, isFlat(row: top, c) { top += 1 }
            c = median(Array(pixels[((bottom - 1) * width + left)..<((bottom - 1) * width + right)]))
            while bottom - top > minH, isFlat(row: bottom - 1, c) { bottom -= 1 }
            c = median((top..<bottom).map { pixels[$0 * width + left] })
            while right - left > minW, isFlat(column: left, c) { left += 1 }
            c = median((top..<bottom).map { pixels[$0 * width + right - 1] })
            while right - left > minW, isFlat(column: right - 1, c) { right -= 1 }
            if before == (top, bottom, left, right) { break }
        }
        if top == 0, left == 0, bottom == height, right == width { return self }
        var out: [UInt8] = []
        out.reserveCapacity((bottom - top) * (right - left))
        for y in top..<bottom { out.append(contentsOf: pixels[(y * width + left)..<(y * width + right)]) }
        return GrayImage(width: right - left, height: bottom - top, pixels: out)
    }

    /// Shrunk (or stretched) to `w`×`h` by averaging each target cell's area (box filter with fractional edges),
    /// as doubles 0…255.
    public func resampled(width w: Int, height h: Int) -> [Double] {
        var out = [Double](repeating: 0, count: w * h)
        let sx = Double(width) / Double(w), sy = Double(height) / Double(h)
        // Column sums per target column first (separable), then rows.
        var columns = [Double](repeating: 0, count: height * w)
        for tx in 0..<w {
            let x0 = Double(tx) * sx, x1 = x0 + sx
            for y in 0..<height {
                var sum = 0.0
                var x = Int(x0)
                while Double(x) < x1, x < width {
                    let cover = min(Double(x + 1), x1) - max(Double(x), x0)
                    sum += cover * Double(pixels[y * width + x])
                    x += 1
                }
                columns[y * w + tx] = sum / sx
            }
        }
        for ty in 0..<h {
            let y0 = Double(ty) * sy, y1 = y0 + sy
            for tx in 0..<w {
                var sum = 0.0
                var y = Int(y0)
                while Double(y) < y1, y < height {
                    let cover = min(Double(y + 1), y1) - max(Double(y), y0)
                    sum += cover * columns[y * w + tx]
                    y += 1
                }
                out[ty * w + tx] = sum / sy
            }
        }
        return out
    }
}

extension GrayImage {
    public enum Encoding: Sendable, Equatable {
        case png
        case jpeg(quality: Int)
        case pgm
    }

    /// The picture encoded (through Leptonica): for storing a tip's picture small, and for tests.
    public func encoded(as encoding: Encoding) throws(ImageError) -> Data {
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var err = [CChar](repeating: 0, count: 256)
        let (format, quality): (Int32, Int32) =
            switch encoding {
            case .png: (0, 0)
            case .jpeg(let q): (1, Int32(max(1, min(100, q))))
            case .pgm: (2, 0)
            }
        let code = pixels.withUnsafeBufferPointer { p in
            sieve_image_encode_gray(p.baseAddress, Int32(width), Int32(height), format, quality, &out, &length, &err, err.count)
        }
        guard code == SIEVE_IMAGE_OK, let out else { throw ImageError.from(code: code, message: Self.message(err)) }
        defer { sieve_ocr_free(out) }
        return Data(bytes: out, count: length)
    }
}
