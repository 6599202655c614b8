import Foundation

/// The picture renderer tests and benchmarks share (scripts/images/render.py: Pillow and CJK fonts, from
/// `make pyenv` and `make deps`): chat screenshots and notices in several fonts and sizes.
public enum Renderer {
    public static let python = TestPaths.packageRoot.appendingPathComponent(".venv/bin/python")
    public static let script = TestPaths.packageRoot.appendingPathComponent("scripts/images/render.py").path
    public static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: python.path),
            FileManager.default.fileExists(atPath: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
            let p = try? Process.run(python, arguments: ["-c", "import PIL"])
        else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs render.py with `arguments`; a failure throws with its stderr.
    public static func render(_ arguments: [String]) async throws {
        let r = try await runProcess(python, [script] + arguments, timeout: 60)
        guard r.status == 0 else { throw Failure(description: "render.py \(arguments): \(r.stderr)") }
    }
}

/// Photo-like gray pixels without a file: a gradient with texture across it (a photo's rows are never one flat
/// colour) and a few flat rectangles — the large shapes a perceptual hash keys on. Deterministic per seed.
public func photoPixels(width: Int, height: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    let a = Double(next() % 256), b = Double(next() % 256)
    var pixels = (0..<(width * height)).map { k in
        UInt8(max(0, min(255, a + (b - a) * Double(k / width) / Double(height) + 40 * sin(Double(k % width) / 9))))
    }
    for _ in 0..<(5 + Int(next() % 6)) {
        let x0 = Int(next() % UInt64(width)), y0 = Int(next() % UInt64(height))
        let w = 30 + Int(next() % UInt64(width / 2)), h = 30 + Int(next() % UInt64(height / 2))
        let v = UInt8(next() % 256)
        for y in y0..<min(height, y0 + h) { for x in x0..<min(width, x0 + w) { pixels[y * width + x] = v } }
    }
    return pixels
}
