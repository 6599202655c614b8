import Foundation
import SieveCore
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite("FileLock")
struct FileLockTests {
    @Test func aBusyLockSaysWhoHoldsIt() throws {
        let dir = TempDir()
        let path = dir.path("run.lock")
        do {
            let held = try FileLock(path: path, mode: .exclusive, recordPID: true)
            #expect(throws: FileLock.Busy.self) { try FileLock(path: path, mode: .shared) }
            do {
                _ = try FileLock(path: path, mode: .exclusive)
            } catch let busy as FileLock.Busy {
                #expect(busy.holder == getpid())
            }
            #expect(held.mode == .exclusive)
        }
        #expect(throws: Never.self) { _ = try FileLock(path: path, mode: .shared) }  // released with `held`
    }

    /// A refused lock closes its descriptor once. (It used to close it twice — in init and again in deinit —, and
    /// the second close hit whatever another thread had opened under the same number meanwhile.)
    @Test func aRefusedLockNeverClosesSomeoneElsesDescriptor() throws {
        let dir = TempDir()
        let path = dir.path("busy.lock")
        let held = try FileLock(path: path, mode: .exclusive)
        let other = dir.path("other.txt")
        try "x".write(toFile: other, atomically: true, encoding: .utf8)
        let lost = Locked(0)
        let stop = Locked(false)
        // Another thread keeps opening a file and checking that its descriptor stays open while it uses it.
        let checker = Thread {
            while !stop.withLock({ $0 }) {
                let fd = open(other, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                for _ in 0..<50 where fcntl(fd, F_GETFD) == -1 { lost.withLock { $0 += 1 } }
                var byte: UInt8 = 0
                if pread(fd, &byte, 1, 0) != 1 { lost.withLock { $0 += 1 } }
                close(fd)
            }
        }
        checker.start()
        for _ in 0..<3000 { _ = try? FileLock(path: path, mode: .exclusive) }
        stop.withLock { $0 = true }
        while !checker.isFinished { usleep(1000) }
        _ = held
        #expect(lost.withLock { $0 } == 0, "a refused lock closed another thread's file descriptor")
    }
}
