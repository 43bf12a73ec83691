import CLibUV
import COpenSSL
import CHTTPParser

/// The versions of the C libraries the network layer runs on, as linked.
public enum NativeLibraries {
    public static var libuvVersion: String { String(cString: uv_version_string()) }
    public static var openSSLVersion: String { String(cString: tally_OpenSSL_version_text()) }
    public static var httpParserVersion: String {
        let v = http_parser_version()
        return "\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
    }
}
