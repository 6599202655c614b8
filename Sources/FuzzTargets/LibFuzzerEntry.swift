import Foundation

// libFuzzer's entry points (linked into `sieve-fuzz`, see Sources/SieveFuzz). SIEVE_FUZZ_TARGET names the target.

nonisolated(unsafe) private var selected: FuzzTargets.Target?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutableRawPointer?) -> Int32 {
    let name = ProcessInfo.processInfo.environment["SIEVE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        FileHandle.standardError.write(Data("sieve-fuzz: set SIEVE_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(2)
    }
    selected = target
    // Lazily built globals (regular expressions, the lexicon, the segmentation dictionary) are made now, so the leak
    // check, which counts allocations per input, sees only what an input itself leaks.
    for input in FuzzTargets.warmUp { target(input) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size > 0 && data != nil ? Data(bytes: data!, count: size) : Data()
    selected?(bytes)
    return 0
}
