import Foundation
import XCTest
@testable import Replica
@testable import Server

/// A node as the metrics code sees it: a snapshot and a status, both settable.
final class FakeMetricsNode: MetricsSource, NodeStatusSource, @unchecked Sendable {
    let lock = NSLock()
    var replication: ReplicationStatus
    var ledgers: [LedgerMetricsSnapshot]
    var storageError: String?

    init(ledgerCount: Int, nodeID: UInt64 = 1) {
        replication = ReplicationStatus(nodeID: nodeID, role: .leader, term: 7, leaderID: nodeID,
                                        commitIndex: 1234, appliedIndex: 1230,
                                        peerLag: [2: 5, 3: 0], leaderChanges: 3, pendingProposals: 2,
                                        readIndexRounds: 40, linearizableReads: 100)
        ledgers = (0..<ledgerCount).map { i in
            LedgerMetricsSnapshot(name: FakeMetricsNode.ledgerName(i), journalBytes: UInt64(1000 * (i + 1)),
                                  indexedBytes: UInt64(500 * (i + 1)), blocks: UInt64(i + 10))
        }
    }

    static func ledgerName(_ i: Int) -> String { String(format: "ledger-%03d", i) }

    func snapshot() -> NodeMetricsSnapshot {
        lock.lock(); defer { lock.unlock() }
        return NodeMetricsSnapshot(replication: replication, ledgers: ledgers, nodeLoopClientConnections: 1)
    }

    func nodeStatus() -> NodeStatusReport {
        lock.lock(); defer { lock.unlock() }
        let ls = ledgers.map { l in
            LedgerStatusReport(name: l.name,
                               tipAddress: .init(strandId: "3Qv67yjXEwB9SjmvkuG6Cp", sequenceNo: l.blocks - 1),
                               digest: [0xde, 0xad, 0xbe, 0xef], divergent: l.divergence)
        }
        return NodeStatusReport(replication: replication, ledgers: ls, version: "0.1.0-test", storageError: storageError)
    }

    func update(_ body: (FakeMetricsNode) -> Void) {
        lock.lock(); defer { lock.unlock() }
        body(self)
    }
}

/// One parsed sample line of the text exposition.
struct MetricsExpositionSample: Hashable {
    var name: String
    var labels: [String: String]
    var value: Double
    /// The text before the value: name and label set, as emitted.
    var series: String
}

enum MetricsExposition {
    /// Parses sample lines (name{labels} value). Handles \\ \" \n escapes in label values.
    static func samples(_ text: String) throws -> [MetricsExpositionSample] {
        var out: [MetricsExpositionSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let sp = line.lastIndex(of: " ") else { throw Bad(line: String(line)) }
            let series = String(line[..<sp])
            guard let value = Double(line[line.index(after: sp)...]) ?? (line.hasSuffix("+Inf") ? .infinity : nil) else {
                throw Bad(line: String(line))
            }
            var labels: [String: String] = [:]
            let name: String
            if let brace = series.firstIndex(of: "{") {
                name = String(series[..<brace])
                var chars = Array(series[series.index(after: brace)...].dropLast())  // drop "}"
                while !chars.isEmpty {
                    guard let eq = chars.firstIndex(of: "=") else { throw Bad(line: String(line)) }
                    let key = String(chars[..<eq])
                    var i = eq + 2  // skip ="
                    var v = ""
                    while i < chars.count && chars[i] != "\"" {
                        if chars[i] == "\\" && i + 1 < chars.count {
                            let n = chars[i + 1]
                            v.append(n == "n" ? "\n" : n)
                            i += 2
                        } else {
                            v.append(chars[i]); i += 1
                        }
                    }
                    labels[key] = v
                    i += 1  // closing quote
                    if i < chars.count && chars[i] == "," { i += 1 }
                    chars = Array(chars[i...])
                }
            } else {
                name = series
            }
            out.append(MetricsExpositionSample(name: name, labels: labels, value: value, series: series))
        }
        return out
    }

    struct Bad: Error { var line: String }
}

/// Blocking HTTP/1.0 GET over a plain socket (so tests need no client library).
func metricsHTTPGet(host: String = "127.0.0.1", port: Int, path: String, timeout: TimeInterval = 5) throws -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, host, &addr.sin_addr)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED) }
    let req = Array("GET \(path) HTTP/1.0\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
    _ = req.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        data.append(contentsOf: buf[0..<n])
    }
    let text = String(decoding: data, as: UTF8.self)
    guard let headEnd = text.range(of: "\r\n\r\n") else { throw POSIXError(.EBADMSG) }
    let statusLine = text[..<headEnd.lowerBound].split(separator: "\r\n").first ?? ""
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else { throw POSIXError(.EBADMSG) }
    return (status, String(text[headEnd.upperBound...]))
}

/// Runs a program, feeding `stdin`, and returns its exit status and combined output.
func metricsRunProcess(_ path: String, _ args: [String], stdin: [UInt8]? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let inPipe = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
    try p.run()
    if let stdin {
        inPipe.fileHandleForWriting.write(Data(stdin))
        try inPipe.fileHandleForWriting.close()
    }
    let output = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: output, as: UTF8.self))
}

