import Foundation

/// Model files: the magic "SIEVENB\n", a 4-byte little-endian header length, the JSON header (format version,
/// task, kind, features, classes, metrics …), then V sorted feature hashes (UInt64 LE) and k·V Float32 weights.
/// A file from another format version, or a truncated one, is refused with a clear message.
extension NaiveBayesModel {
    public struct FileError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    static let magic = Data("SIEVENB\n".utf8)

    public func write(to path: String) throws(FileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        guard let json = try? encoder.encode(header) else { throw FileError(path: path, message: "cannot encode header") }
        var out = Self.magic
        var len = UInt32(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        // Columns in hash order, so files are reproducible and loading needs no sort.
        let sorted = index.entries.sorted { $0.key < $1.key }
        let k = classes.count
        let vocab = index.count
        var hashes = [UInt64](); hashes.reserveCapacity(vocab)
        var w = [Float](repeating: 0, count: k * vocab)
        for (newCol, entry) in sorted.enumerated() {
            hashes.append(entry.key.littleEndian)
            for c in 0..<k { w[c * vocab + newCol] = weights[Int(entry.value) * k + c] }
        }
        var count = UInt64(vocab).littleEndian
        withUnsafeBytes(of: &count) { out.append(contentsOf: $0) }
        hashes.withUnsafeBytes { out.append(contentsOf: $0) }
        w.withUnsafeBytes { out.append(contentsOf: $0) }
        for p in logPriors {
            var bits = p.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
        }
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try out.write(to: url, options: .atomic)
        } catch {
            throw FileError(path: path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    public static func load(path: String) throws(FileError) -> NaiveBayesModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, message: "model file not found or unreadable")
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws(FileError) -> NaiveBayesModel {
        guard data.count >= magic.count + 4, data.prefix(magic.count) == magic else {
            throw FileError(path: path, message: "not a Sieve model file (bad magic)")
        }
        let result: Result<NaiveBayesModel, FileError> = data.withUnsafeBytes { raw in
            Result { () throws(FileError) in try decode(raw, path: path) }
        }
        return try result.get()
    }

    static func decode(_ raw: UnsafeRawBufferPointer, path: String) throws(FileError) -> NaiveBayesModel {
            var offset = magic.count
            func readU32() -> UInt32 { defer { offset += 4 }; return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
            func readU64() -> UInt64 { defer { offset += 8 }; return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
            let headerLength = Int(readU32())
            guard offset + headerLength + 8 <= raw.count else { throw FileError(path: path, message: "truncated (header)") }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let header: Header
            do {
                header = try decoder.decode(Header.self, from: Data(raw[offset..<(offset + headerLength)]))
            } catch {
                throw FileError(path: path, message: "unreadable header (\(error))")
            }
            guard readableFormats.contains(header.format) else {
                throw FileError(
                    path: path,
                    message: "model format \(header.format), this sieve reads formats \(readableFormats.lowerBound)–\(readableFormats.upperBound): retrain with `sieve train`")
            }
            if let problem = header.features.problem {
                throw FileError(path: path, message: "unusable feature settings in the header: \(problem)")
            }
            if let problem = header.calibration?.problem {
                throw FileError(path: path, message: "unusable calibration in the header: \(problem)")
            }
            if let problem = header.logistic?.problem {
                throw FileError(path: path, message: "unusable logistic-regression settings in the header: \(problem)")
            }
            if header.kind == .logistic && header.logistic == nil {
                throw FileError(path: path, message: "a logistic-regression model without its settings in the header")
            }
            if let problem = header.balance?.problem {
                throw FileError(path: path, message: "unusable class-balance settings in the header: \(problem)")
            }
            offset += headerLength
            // Every size is checked against the file before it is used (a corrupt or hostile file must not trap).
            let rawVocab = readU64()
            let k = header.classes.count
            guard k > 0, k <= 1 << 16, rawVocab <= UInt64(raw.count) else {
                throw FileError(path: path, message: "corrupt: \(rawVocab) features and \(k) classes cannot fit in \(raw.count) bytes")
            }
            let vocab = Int(rawVocab)
            let need = vocab * 8 + k * vocab * 4 + k * 8
            guard offset + need == raw.count, header.classCounts.count == k, (0..<k).contains(header.fallback) else {
                throw FileError(path: path, message: "truncated or corrupt (expected \(offset + need) bytes, found \(raw.count))")
            }
            var index = FeatureIndex(capacity: vocab)
            for col in 0..<vocab { index.set(readU64(), Int32(col)) }
            // Stored class-major; kept feature-major in memory.
            var weights = [Float](repeating: 0, count: k * vocab)
            let base = offset
            weights.withUnsafeMutableBufferPointer { dst in
                for c in 0..<k {
                    for col in 0..<vocab {
                        let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + (c * vocab + col) * 4, as: UInt32.self))
                        dst[col * k + c] = Float(bitPattern: bits)
                    }
                }
            }
            offset += k * vocab * 4
            var priors: [Double] = []
            for _ in 0..<k { priors.append(Double(bitPattern: readU64())) }
            return NaiveBayesModel(header: header, index: index, weights: weights, logPriors: priors)
    }
}
