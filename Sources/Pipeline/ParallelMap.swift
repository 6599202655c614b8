import Foundation

extension Array where Element: Sendable {
    /// `map` over all cores for CPU-bound, independent work (classifying or cross-referencing a batch of posts);
    /// results keep the input order. Runs on Dispatch's threads and waits, so it is called from synchronous code.
    func parallelMap<T: Sendable>(minimumChunk: Int = 64, _ transform: @Sendable (Element) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count >= 2 * minimumChunk else { return map(transform) }
        let chunks = Swift.min(cores * 2, (count + minimumChunk - 1) / minimumChunk)
        let size = (count + chunks - 1) / chunks
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        self.withUnsafeBufferPointer { input in
            nonisolated(unsafe) let source = input
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let start = c * size
                let end = Swift.min(start + size, source.count)
                guard start < end else { return }
                for i in start..<end { out[i] = transform(source[i]) }
            }
        }
        return results.map { $0! }
    }
}
