import Classifier
import Crawler
import Foundation
import Imaging

/// Micro-benchmarks run by `make bench` beside their Python peers. Prints one JSON object per run.
/// Usage: sieve-bench feeds DIR… [--repeat N]
let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else {
    FileHandle.standardError.write(Data("usage: sieve-bench feeds DIR… [--repeat N]\n".utf8))
    exit(2)
}

func option(_ name: String, default value: Int) -> Int {
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return value }
    return v
}

/// Paths from a file (one a line) after --list, else the non-option arguments after the command.
func fileList() -> [String] {
    if let i = args.firstIndex(of: "--list"), i + 1 < args.count, let d = FileManager.default.contents(atPath: args[i + 1]) {
        return String(decoding: d, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
    return Array(args.dropFirst().prefix { !$0.hasPrefix("--") })
}

func jsonLine(_ o: [String: Any]) -> String {
    let d = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    return String(decoding: d, as: UTF8.self)
}

switch command {
case "image":
    // sieve-bench image FILE… | --list F [--views]: per picture one JSON line {file, dct64, dct256, difference (hex),
    // ms[, views: the dct256 of the whole and its 90% crops]} or {file, error}.
    var out = ""
    for path in fileList() {
        guard let data = FileManager.default.contents(atPath: path) else {
            out += jsonLine(["file": path, "error": "cannot read"]) + "\n"
            continue
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        do {
            let image = try GrayImage.decode(data)
            let t = image.trimmed()
            var o: [String: Any] = ["file": path, "size": [image.width, image.height], "trimmed": [t.width, t.height]]
            for kind in PerceptualHash.Kind.allCases { o[kind.rawValue] = PerceptualHash.hash(image, kind: kind).hex }
            let query = PerceptualHash.queryHashes(image)
            if query.count == 4 { (o["dct64_raw"], o["dct256_raw"]) = (query[2].hex, query[3].hex) }
            o["ms"] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            if args.contains("--views") {
                let grid = option("--grid", default: 5)
                o["views64"] = PerceptualHash.views(image, kind: .dct64, grid: grid).map(\.hex)
                o["views256"] = PerceptualHash.views(image, kind: .dct256, grid: grid).map(\.hex)
            }
            out += jsonLine(o) + "\n"
        } catch {
            out += jsonLine(["file": path, "error": error.description]) + "\n"
        }
    }
    FileHandle.standardOutput.write(Data(out.utf8))
case "ocr":
    // sieve-bench ocr FILE… | --list F [--languages L] [--engines N]: one JSON line per picture {file, text, confidence,
    // ms}, then {"pictures", "seconds", "per_s"}: all pictures read concurrently by N engines.
    var settings = OCR.Settings()
    if let i = args.firstIndex(of: "--languages"), i + 1 < args.count { settings.languages = args[i + 1] }
    settings.engines = option("--engines", default: settings.engines)
    settings.enlargeBelowWidth = option("--enlarge-below", default: settings.enlargeBelowWidth)
    settings.pageMode = option("--psm", default: settings.pageMode)
    settings.retryBelowConfidence = option("--retry-below", default: settings.retryBelowConfidence)
    let ocr = OCR(settings: settings)
    let files = fileList()
    let t0 = DispatchTime.now().uptimeNanoseconds
    let lines = await withTaskGroup(of: (Int, String).self) { group in
        var next = 0
        var results: [(Int, String)] = []
        func add(_ k: Int) {
            let path = files[k]
            group.addTask {
                let s = DispatchTime.now().uptimeNanoseconds
                guard let data = FileManager.default.contents(atPath: path) else { return (k, jsonLine(["file": path, "error": "cannot read"])) }
                do {
                    let r = try await ocr.read(data)
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - s) / 1e6
                    return (k, jsonLine(["file": path, "text": r.text, "confidence": r.confidence, "ms": ms]))
                } catch {
                    return (k, jsonLine(["file": path, "error": "\(error)"]))
                }
            }
        }
        while next < min(files.count, settings.engines * 2) { add(next); next += 1 }
        for await r in group {
            results.append(r)
            if next < files.count { add(next); next += 1 }
        }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    print(lines.joined(separator: "\n"))
    print(jsonLine(["pictures": files.count, "seconds": seconds, "per_s": Double(files.count) / seconds, "languages": settings.languages, "engines": settings.engines]))
case "feeds":
    let repeatCount = option("--repeat", default: 20)
    let dirs = args.dropFirst().prefix { !$0.hasPrefix("--") }
    var files: [(String, Data)] = []
    for dir in dirs {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for name in names.sorted() where name.hasSuffix(".xml") {
            if let d = FileManager.default.contents(atPath: dir + "/" + name) { files.append((name, d)) }
        }
    }
    let adapter = FeedAdapter()
    var entries = 0, errors = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<repeatCount {
        for (name, data) in files {
            do {
                entries += try adapter.extract(data, url: "http://example.com/" + name, headers: [:]).posts.count
            } catch {
                errors += 1
            }
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let parsed = files.count * repeatCount
    print("{\"tool\":\"sieve\",\"files\":\(files.count),\"parses\":\(parsed),\"entries\":\(entries),\"errors\":\(errors),\"seconds\":\(seconds),\"files_per_s\":\(Double(parsed) / seconds)}")
case "nb":
    // sieve-bench nb TASK FILE TEXTCOL LABELCOL [EXCLUDE]: load + vectorise + train + classify on a seeded 80/20 split.
    guard args.count >= 5, let task = TrainingTask(rawValue: args[1]) else {
        FileHandle.standardError.write(Data("usage: sieve-bench nb disaster|rumour|type FILE TEXTCOL LABELCOL [EXCLUDE]\n".utf8))
        exit(2)
    }
    let start = DispatchTime.now().uptimeNanoseconds
    var data = try LabelledData.load(
        path: args[2], textColumn: args[3], labelColumn: args[4], excluding: args.count > 5 ? [args[5]] : [])
    // Classes with a single example cannot be split; the scikit-learn script drops them too.
    let counts = Dictionary(data.labels.map { ($0, 1) }, uniquingKeysWith: +)
    let keep = data.labels.indices.filter { counts[data.labels[$0]]! >= 2 }
    data = LabelledData(texts: keep.map { data.texts[$0] }, labels: keep.map { data.labels[$0] })
    let (train, test) = Trainer.split(data, testFraction: 0.2)
    let settings = task.usesCues ? task.naiveBayes(cues: try Lexicon.standardTypeCues()) : task.naiveBayes
    let model = Trainer.train(task: task, data: train, settings: settings)
    let predicted = Trainer.predict(model, texts: test.texts)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let report = EvaluationReport(gold: test.labels, predicted: predicted)
    print("{\"tool\":\"sieve\",\"task\":\"\(task.rawValue)\",\"train\":\(train.count),\"test\":\(test.count),\"seconds\":\(seconds),\"accuracy\":\(report.accuracy),\"macro_f1\":\(report.macroF1)}")
case "classify":
    // sieve-bench classify FILE TEXTCOL [MODELS] [--threads N]: full assessments (NB + rules + extractors) per second, one thread (and N threads).
    guard args.count >= 3 else {
        FileHandle.standardError.write(Data("usage: sieve-bench classify FILE TEXTCOL [MODELDIR] [--threads N]\n".utf8))
        exit(2)
    }
    let texts = try LabelledData.rows(path: args[1], textColumn: args[2])
    let lexicon = try Lexicon.standard()
    let models = try ModelSet.load(directory: args.count > 3 && !args[3].hasPrefix("--") ? args[3] : (ModelSet.locateDirectory() ?? "Models"))
    let classifier = PostClassifier(lexicon: lexicon, models: models)
    let nbOnly = models.disaster.map { ($0, Featurizer(config: $0.header.features)) }
    var sink = 0.0
    let t0 = DispatchTime.now().uptimeNanoseconds
    for t in texts { sink += classifier.assess(title: nil, text: t, published: nil).disaster }
    let t1 = DispatchTime.now().uptimeNanoseconds
    if let (m, f) = nbOnly { for t in texts { sink += m.predict(f.features(t)).probabilities[0] } }
    let t2 = DispatchTime.now().uptimeNanoseconds
    // The type model alone (entropy-weighted NB with cue groups): featurise + predict.
    let typeOnly = models.type.map { ($0, Featurizer(config: $0.header.features)) }
    if let (m, f) = typeOnly { for t in texts { sink += m.predict(f.features(t)).probabilities[0] } }
    let t3 = DispatchTime.now().uptimeNanoseconds
    let full = Double(t1 - t0) / 1e9, nb = Double(t2 - t1) / 1e9, nbType = Double(t3 - t2) / 1e9
    // --threads N: the same assessments on N threads in one process, first sharing one classifier (as the worker's
    // classify stage does), then with a classifier loaded per thread (nothing shared but the code).
    if case let threads = option("--threads", default: 0), threads > 1 {
        let chunk = (texts.count + threads - 1) / threads
        let perThread = try (0..<threads).map { _ in
            PostClassifier(lexicon: try Lexicon.standard(), models: try ModelSet.load(directory: args.count > 3 && !args[3].hasPrefix("--") ? args[3] : (ModelSet.locateDirectory() ?? "Models")))
        }
        for (label, pick) in [("shared", Array(repeating: classifier, count: threads)), ("own", perThread)] {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                let c = pick[i]
                var local = 0.0
                for t in texts[min(i * chunk, texts.count)..<min((i + 1) * chunk, texts.count)] { local += c.assess(title: nil, text: t, published: nil).disaster }
                _ = local
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("{\"threads\":\(threads),\"classifier\":\"\(label)\",\"assess_per_s\":\(Double(texts.count) / seconds)}")
        }
    }
    print("{\"tool\":\"sieve\",\"posts\":\(texts.count),\"assess_per_s\":\(Double(texts.count) / full),\"nb_disaster_per_s\":\(nbOnly == nil ? 0 : Double(texts.count) / nb),\"nb_type_per_s\":\(typeOnly == nil ? 0 : Double(texts.count) / nbType),\"checksum\":\(sink)}")
case "segment-tune":
    // sieve-bench segment-tune GOLD... [--every N]: chooses `SegmentationCosts` by coordinate descent on segmented
    // training text (words separated by U+3000 or spaces; the raw text is the words joined), maximising the mean of
    // the files' word-span F1. Only for training/dev files: the defaults must never be chosen on a test set.
    let every = max(option("--every", default: 1), 1)
    var corpora: [(name: String, lines: [String], spans: [Set<Int>])] = []
    var k = 1
    while k < args.count {
        if args[k] == "--every" { k += 2; continue }
        guard let data = FileManager.default.contents(atPath: args[k]) else {
            FileHandle.standardError.write(Data("segment-tune: cannot read \(args[k])\n".utf8))
            exit(2)
        }
        var lines: [String] = [], spans: [Set<Int>] = []
        let all = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (n, line) in all.enumerated() where n % every == 0 {
            let words = line.split(whereSeparator: { $0 == "\u{3000}" || $0 == " " }).map(String.init)
            guard !words.isEmpty else { continue }
            var set = Set<Int>(), p = 0
            for w in words {
                set.insert(p << 32 | (p + w.utf16.count))
                p += w.utf16.count
            }
            lines.append(words.joined())
            spans.append(set)
        }
        corpora.append(((args[k] as NSString).lastPathComponent, lines, spans))
        k += 1
    }
    guard !corpora.isEmpty else {
        FileHandle.standardError.write(Data("usage: sieve-bench segment-tune GOLD... [--every N]\n".utf8))
        exit(2)
    }
    let tuneLexicon = try Lexicon.standard()
    let tuneDictionary = SegmentationDictionary.shared
    func scores(_ costs: SegmentationCosts) -> [Double] {
        let tokenizer = Tokenizer(lexicon: tuneLexicon, dictionary: tuneDictionary, costs: costs)
        return corpora.map { c in
            var tp = 0, predicted = 0, expected = 0
            for (line, gold) in zip(c.lines, c.spans) {
                expected += gold.count
                for t in tokenizer.tokenize(line) {
                    predicted += 1
                    if gold.contains(t.start << 32 | t.end) { tp += 1 }
                }
            }
            let p = Double(tp) / Double(max(predicted, 1)), r = Double(tp) / Double(max(expected, 1))
            return p + r > 0 ? 2 * p * r / (p + r) : 0
        }
    }
    func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    var best = SegmentationCosts()
    var bestScores = scores(best)
    print("start: " + zip(corpora, bestScores).map { "\($0.name) \(String(format: "%.4f", $1))" }.joined(separator: ", "))
    for round in 1...3 {
        var changed = false
        for (name, path) in SegmentationCosts.names {
            for delta in [-4.0, -2, -1, -0.5, 0.5, 1, 2, 4] {
                var candidate = best
                candidate[keyPath: path] += delta
                guard candidate[keyPath: path] >= 0 else { continue }
                let s = scores(candidate)
                if mean(s) > mean(bestScores) + 1e-3 {  // a change must earn 0.1 point: no chasing noise
                    best = candidate
                    bestScores = s
                    changed = true
                    print("round \(round): \(name) → \(best[keyPath: path]): mean F1 \(String(format: "%.4f", mean(s)))")
                }
            }
        }
        if !changed { break }
    }
    print("chosen: " + SegmentationCosts.names.map { "\($0.0) \(best[keyPath: $0.1])" }.joined(separator: ", "))
    print("F1: " + zip(corpora, bestScores).map { "\($0.name) \(String(format: "%.4f", $1))" }.joined(separator: ", "))
case "segment":
    // sieve-bench segment TEXT [--gold GOLD] [--words LIST] [--repeat N] [--dump OUT] [--costs name=value,…]
    // Tokenizes TEXT line by line in-process (as `sieve tokenize` does, but without NFKC so that offsets match the
    // gold file) and prints chars/s excluding startup (median of N passes); with --gold (words separated by U+3000),
    // precision/recall/F1 over word spans.
    func segmentOption(_ name: String) -> String? {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
        return args[i + 1]
    }
    func segmentLines(_ data: Data) -> [String] {
        // "\r\n" is one Character in Swift: split on both forms.
        String(decoding: data, as: UTF8.self).split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }
        ).map(String.init)
    }
    guard args.count >= 2, !args[1].hasPrefix("--"), let raw = FileManager.default.contents(atPath: args[1]) else {
        FileHandle.standardError.write(
            Data("usage: sieve-bench segment TEXT [--gold GOLD] [--words LIST] [--repeat N] [--dump OUT]\n".utf8))
        exit(2)
    }
    let segmentRepeat = max(option("--repeat", default: 5), 1)
    let s0 = DispatchTime.now().uptimeNanoseconds
    let dictionary = SegmentationDictionary.shared
    let s1 = DispatchTime.now().uptimeNanoseconds
    var segmentLexicon = (try? Lexicon.standard()) ?? Lexicon()
    if let words = segmentOption("--words") {
        do { try segmentLexicon.addWords(file: URL(fileURLWithPath: words)) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }
    }
    // --costs name=value,…: segmentation costs other than the defaults (as segment-tune prints them).
    var segmentCosts = SegmentationCosts()
    for pair in (segmentOption("--costs") ?? "").split(separator: ",") {
        let kv = pair.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
        guard kv.count == 2, let path = SegmentationCosts.names.first(where: { $0.0 == kv[0] })?.1, let v = Double(kv[1]) else {
            FileHandle.standardError.write(Data("segment: --costs takes name=value pairs of \(SegmentationCosts.names.map(\.0))\n".utf8))
            exit(2)
        }
        segmentCosts[keyPath: path] = v
    }
    let s1b = DispatchTime.now().uptimeNanoseconds
    let tokenizer = Tokenizer(lexicon: segmentLexicon, dictionary: dictionary, costs: segmentCosts)
    let s2 = DispatchTime.now().uptimeNanoseconds
    let input = segmentLines(raw)
    let chars = input.reduce(0) { $0 + $1.unicodeScalars.count }
    var output: [[Token]] = []
    var runs: [Double] = []
    var tokenCount = 0
    for pass in 0..<segmentRepeat {
        let start = DispatchTime.now().uptimeNanoseconds
        var count = 0
        for line in input {
            let tokens = tokenizer.tokenize(line)
            count += tokens.count
            if pass == 0 { output.append(tokens) }
        }
        runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        tokenCount = count
    }
    let seconds = runs.sorted()[runs.count / 2]
    // The lattice alone: UTF-16 prepared beforehand, boundaries only (no strings, no token array).
    let unitLines = input.map { Array($0.utf16) }
    var boundaryRuns: [Double] = []
    var boundarySink = 0
    for _ in 0..<segmentRepeat {
        let start = DispatchTime.now().uptimeNanoseconds
        for units in unitLines {
            units.withUnsafeBufferPointer { tokenizer.segmentBoundaries($0) { s, e in boundarySink &+= e - s } }
        }
        boundaryRuns.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let latticeSeconds = boundaryRuns.sorted()[boundaryRuns.count / 2]
    var json = "{\"tool\":\"sieve\",\"mode\":\"\(tokenizer.mode.map { "\($0)" } ?? "icu-fallback")\""
    json += ",\"lines\":\(input.count),\"chars\":\(chars),\"tokens\":\(tokenCount),\"seconds\":\(seconds)"
    json += ",\"chars_per_s\":\(Double(chars) / seconds),\"best_chars_per_s\":\(Double(chars) / runs.min()!)"
    json += ",\"lattice_only_chars_per_s\":\(Double(chars) / latticeSeconds)"
    json += ",\"lattice_only_best_chars_per_s\":\(Double(chars) / boundaryRuns.min()!)"
    json += ",\"dictionary_load_s\":\(Double(s1 - s0) / 1e9),\"lexicon_load_s\":\(Double(s1b - s1) / 1e9)"
    json += ",\"tokenizer_init_s\":\(Double(s2 - s1b) / 1e9)"
    if let goldPath = segmentOption("--gold"), let goldData = FileManager.default.contents(atPath: goldPath) {
        let gold = segmentLines(goldData)
        var tp = 0, predicted = 0, expected = 0, misaligned = 0
        for (i, line) in input.enumerated() where i < gold.count && !line.isEmpty {
            var goldSpans = Set<Int>()  // start << 32 | end in UTF-16 units
            var p = 0
            for w in gold[i].split(separator: "\u{3000}") where !w.isEmpty {
                let len = w.utf16.count
                goldSpans.insert(p << 32 | (p + len))
                p += len
            }
            if p != line.utf16.count { misaligned += 1 }
            expected += goldSpans.count
            for t in output[i] {
                predicted += 1
                if goldSpans.contains(t.start << 32 | t.end) { tp += 1 }
            }
        }
        let precision = Double(tp) / Double(max(predicted, 1))
        let recall = Double(tp) / Double(max(expected, 1))
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        json += ",\"precision\":\(precision),\"recall\":\(recall),\"f1\":\(f1),\"misaligned\":\(misaligned)"
    }
    if let dump = segmentOption("--dump") {
        let text = output.map { $0.map(\.text).joined(separator: " ") }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: dump))
    }
    print(json + "}")
default:
    FileHandle.standardError.write(Data("unknown benchmark \(command)\n".utf8))
    exit(2)
}
