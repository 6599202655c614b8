import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A free TCP port on the loopback interface for a child process to listen on, chosen below Linux's ephemeral
/// range (32768–60999): the tests running beside this one bind port 0, which the kernel serves from that range,
/// so none of them can take this port between this check and the child's own bind (it happened: a webhook fake
/// answered the web app's health check).
public func freeLoopbackPort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if bound { return port }
    }
    throw NoFreePort()
}

struct NoFreePort: Error, CustomStringConvertible {
    var description: String { "no free port between 20000 and 32000 on 127.0.0.1" }
}

