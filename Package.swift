// swift-tools-version:6.0
import PackageDescription

/// Every Tally module's settings: release builds leave out Swift's runtime exclusivity checks
/// (Docs/architecture.md); debug builds, which every test runs, keep them.
let standard: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
/// The same, for the modules still in the Swift 5 language mode.
let swift5: [SwiftSetting] = [.swiftLanguageMode(.v5)] + standard

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "Ion", targets: ["Ion"]),
        .library(name: "Raft", targets: ["Raft"]),
        .executable(name: "raft-sim", targets: ["raft-sim"]),
        .executable(name: "replica-sim", targets: ["replica-sim"]),
        .executable(name: "tally-fuzz", targets: ["tally-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/attaswift/BigInt", from: "6.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // System libraries from Debian: libuv1-dev, libssl-dev, libhttp-parser-dev, liblmdb-dev
        // (and libgoogle-perftools-dev: the tally executable links its tcmalloc).
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CHTTPParser", providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // C shims of static inline functions Swift inlines, as C targets rather than system
        // libraries so that SwiftPM rebuilds their importers when a header changes: glibc's heap
        // statistics (the tests that check memory estimates), CRC-32C with SSE4.2, Ion Hash's
        // escaping with SSE2 (CIonHash also compiles its SHA-256 lanes, SHA256Lanes.c, and the
        // sorting and escaping of a struct's digests, WideEscaping.c).
        .target(name: "CHeapStats"),
        .target(name: "CCRC32C"),
        .target(name: "CIonHash"),
        .target(name: "Checksum", dependencies: ["CCRC32C"], swiftSettings: standard),
        .target(name: "LMDB", dependencies: ["CLMDB"], swiftSettings: standard),
        .target(name: "Ion", dependencies: ["COpenSSL", "CIonHash", .product(name: "BigInt", package: "BigInt")], swiftSettings: standard),
        .target(name: "PartiQL", dependencies: ["Ion", .product(name: "BigInt", package: "BigInt")], swiftSettings: standard),
        .target(name: "Ledger", dependencies: ["Ion", "PartiQL", "Checksum", "LMDB", .product(name: "BigInt", package: "BigInt")],
                swiftSettings: standard),
        .target(name: "Raft", swiftSettings: standard),
        // One replica minus its sockets: the Raft driver, the replicated ledger state machine,
        // catch-up and the Raft log, with the loop, peer link and storage behind protocols.
        .target(name: "Replica", dependencies: [
            "Raft", "Ledger", "Ion", "Checksum", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),
        // Virtual time, a simulated event loop and a seeded network for `RaftDriver`s: both simulators run on it.
        .target(name: "SimulationSupport", dependencies: [
            "Replica", "Raft", .product(name: "HeapModule", package: "swift-collections"),
        ], swiftSettings: swift5),
        // Seeded simulation of Raft: real `RaftDriver`s over in-memory logs and a toy state machine.
        .target(name: "RaftSimulator", dependencies: [
            "SimulationSupport", "Replica", "Raft", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),
        // Seeded simulation of real replicas (Replica's driver and state machine on tmpfs files).
        .target(name: "ReplicaSimulator", dependencies: [
            "SimulationSupport", "Replica", "Raft", "Ledger", "Ion",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5),
        .executableTarget(name: "replica-sim", dependencies: [
            "ReplicaSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swift5),
        .executableTarget(name: "raft-sim", dependencies: ["RaftSimulator"], swiftSettings: standard),
        .target(name: "Net", dependencies: ["CLibUV", "COpenSSL", "CHTTPParser", "Checksum"],
                swiftSettings: swift5),
        // The QLDB wire: JSON, SigV4, SendCommand and the service errors, shared by the server and the client.
        .target(name: "QLDBWire", dependencies: ["Ion", "COpenSSL"], swiftSettings: swift5),
        .target(name: "Server", dependencies: [
            "Ion", "QLDBWire", "COpenSSL", "Checksum", "PartiQL", "Ledger", "Raft", "Replica", "Net",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.embedInCode("Console/Files")],   // the web console, compiled in (Docs/console.md)
        swiftSettings: swift5),
        .executableTarget(name: "tally", dependencies: [
            "Ion", "PartiQL", "Ledger", "Net", "QLDBWire", "Replica", "Server", "CHeapStats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swift5,
        // tcmalloc (gperftools; Debian libgoogle-perftools-dev) in place of glibc's malloc: Docs/performance.md, "Stop 26".
        linkerSettings: [.linkedLibrary("tcmalloc_minimal", .when(platforms: [.linux]))]),
        // Fuzz targets (Docs/reliability.md, "Fuzzing"): scripts/fuzz builds tally-fuzz with libFuzzer;
        // a plain build makes it a replay tool and FuzzTargetsTests runs the seed corpora.
        .target(name: "FuzzTargets", dependencies: ["Ion", "PartiQL", "Ledger", "Net", "QLDBWire"],
                swiftSettings: swift5),
        .executableTarget(name: "tally-fuzz", dependencies: ["FuzzTargets"], swiftSettings: swift5),

        .testTarget(name: "IonTests", dependencies: ["Ion"]),
        .testTarget(name: "PartiQLTests", dependencies: ["PartiQL", "Ion", "CHeapStats"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "PartiQL", "Ion", "Checksum", "LMDB"]),
        .testTarget(name: "RaftTests", dependencies: ["Raft"]),
        .testTarget(name: "RaftSimulatorTests", dependencies: ["RaftSimulator", "Raft", "Replica", "SimulationSupport"], swiftSettings: swift5),
        .testTarget(name: "ChecksumTests", dependencies: ["Checksum"]),
        .testTarget(name: "TallyCLITests", dependencies: [
            "tally", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swift5),
        .testTarget(name: "ReplicaSimulatorTests", dependencies: ["ReplicaSimulator", "Replica", "Ledger"],
                    swiftSettings: swift5),
        .testTarget(name: "NetTests", dependencies: ["Net", "Checksum"]),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"]),
        .testTarget(name: "QLDBWireTests", dependencies: ["QLDBWire", "Ion", "Raft"], exclude: ["Fixtures"],
                    swiftSettings: swift5),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], swiftSettings: swift5),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Replica", "Raft", "Checksum", "QLDBWire", "Ion", "Net"], exclude: ["Fixtures"],
                    swiftSettings: swift5),
    ]
)
