import Crawler
import Foundation

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

switch command {
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
default:
    FileHandle.standardError.write(Data("unknown benchmark \(command)\n".utf8))
    exit(2)
}
