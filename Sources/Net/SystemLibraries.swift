import CCurl
import CICU
import CLibXML2
import Foundation

/// The versions of the system libraries this process runs with (for `sieve doctor`): what the dynamic linker
/// loaded, not what the headers said at build time.
public enum SystemLibraries {
    /// libcurl and the libraries it was built with ("libcurl/7.88.1 OpenSSL/3.0.15 zlib/1.2.13 …").
    public static var curl: String { String(cString: sieve_curl_version()) }

    /// libxml2's run-time version ("21004" is 2.10.4) in dotted form.
    public static var libxml2: String {
        guard let raw = __xmlParserVersion()?.pointee else { return "unknown" }
        let digits = String(cString: raw)
        guard let n = Int(digits) else { return digits }
        return "\(n / 10000).\(n / 100 % 100).\(n % 100)"
    }

    /// ICU's version ("72.1").
    public static var icu: String {
        var buffer = [CChar](repeating: 0, count: 32)
        sieve_icu_version(&buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether libcurl can fetch https:// (it names a TLS library in its version string).
    public static var curlHasTLS: Bool {
        ["OpenSSL", "GnuTLS", "mbedTLS", "wolfSSL", "BoringSSL", "rustls", "NSS"].contains { curl.contains($0) }
    }
}
