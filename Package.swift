// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Scorpio",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ScorpioKit", targets: ["ScorpioKit"]),
        .library(name: "FuseKit", targets: ["FuseKit"]),
        .library(name: "AntaresDaemon", targets: ["AntaresDaemon"]),
        .executable(name: "scorpio", targets: ["scorpio"]),
        .executable(name: "scorpio-memfs", targets: ["scorpio-memfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C libraries, linked from Debian's static archives named in their module maps (pkg-config would
        // add the shared libraries): each shared library is one more to load at every process start.
        .systemLibrary(name: "CFuse", providers: [.apt(["libfuse3-dev"])]),
        // libgit2 as Scorpio uses it, local repositories only: its archive and those of what it calls, and
        // stubs for what only its network transports need (GSSAPI; mbedTLS's CA-bundle loads, wrapped), so
        // no Kerberos library is loaded and no CA bundle parsed at a process start; the transports' own
        // set-up is wrapped too, deferred to their first use.
        .target(
            name: "CGit2",
            linkerSettings: [
                .linkedLibrary(":libgit2.a"), .linkedLibrary(":libhttp_parser.a"), .linkedLibrary(":libpcre2-8.a"),
                .linkedLibrary(":libssh2.a"), .linkedLibrary(":libcrypto.a"), .linkedLibrary(":libz.a"),
                .linkedLibrary(":libmbedtls.a"), .linkedLibrary(":libmbedx509.a"), .linkedLibrary(":libmbedcrypto.a"),
                .unsafeFlags([
                    "-Xlinker", "--wrap=mbedtls_x509_crt_parse_file", "-Xlinker", "--wrap=mbedtls_x509_crt_parse_path",
                    "-Xlinker", "--wrap=git_mbedtls_stream_global_init", "-Xlinker", "--wrap=git_mbedtls_stream_new",
                    "-Xlinker", "--wrap=git_mbedtls_stream_wrap", "-Xlinker", "--wrap=libssh2_init",
                ]),
            ]
        ),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSeccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        // Linux system calls that Swift's Glibc module does not expose (xattrs, renameat2).
        .systemLibrary(name: "CSyscalls"),

        // FUSE over io_uring for a libfuse 3.14 session (the kernel's ring, through libfuse's I/O hooks).
        .target(name: "CFuseRing", dependencies: ["CFuse"]),
        // The Swift face of libfuse3's low-level API.
        .target(
            name: "FuseKit",
            dependencies: ["CFuse", "CFuseRing", "CSyscalls", .product(name: "SystemPackage", package: "swift-system")]
        ),

        // The lazy, shared, read-only base layer: tree sources (git, directory, Mega), the inode
        // dictionary, the content store and the read-only FUSE filesystem over them.
        .target(
            name: "Dicfuse",
            dependencies: [
                "FuseKit", "CGit2", "CSyscalls",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // The union: upper over change list over the Dicfuse base, served by our FUSE server or by kernel
        // overlayfs, in kernel overlayfs's upper-layer format.
        .target(
            name: "Antares",
            dependencies: [
                "Dicfuse", "FuseKit", "CGit2", "CSyscalls", "CZlib",
                .product(name: "SystemPackage", package: "swift-system"), .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The job sandbox: the C child that applies a spec between clone and execve, and its Swift face
        // (job spec, seccomp profiles, namespaces, process supervision).
        .target(name: "CSandbox", linkerSettings: [.linkedLibrary(":libseccomp.a")]),
        .target(name: "Sandbox", dependencies: ["CSandbox", "CSeccomp", .product(name: "SystemPackage", package: "swift-system")]),

        // What a job wrote, as an OCI image layer (tar + whiteouts, gzip/zstd/none) and its manifest.
        .target(
            name: "Artifact",
            dependencies: ["CArchive", .product(name: "Crypto", package: "swift-crypto"), .product(name: "SystemPackage", package: "swift-system")],
            // libarchive's archive brings its xar writer along, which calls libxml2. Release links drop
            // that unused code (dead stripping) and need no libxml2; debug links keep it.
            linkerSettings: [.linkedLibrary("xml2", .when(configuration: .debug))]
        ),

        // The build-tool presets `scorpio run --recipe NAME` applies (recipes/*.toml), shipped as resources.
        .target(
            name: "ScorpioRecipes", path: "recipes", sources: ["ScorpioRecipes.swift"],
            resources: [.copy("make.toml"), .copy("cmake.toml"), .copy("cargo.toml"), .copy("go.toml"), .copy("swift.toml"), .copy("bazel.toml"), .copy("buck2.toml")]
        ),

        // The public library: configuration, host checks, recipes and the job pipeline.
        .target(
            name: "ScorpioKit",
            dependencies: [
                "ScorpioRecipes", "FuseKit", "Dicfuse", "Antares", "Sandbox", "Artifact", "CFuse", "CGit2", "CSeccomp", "CArchive", "CSyscalls",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The HTTP daemon: upstream's Antares mount API (and artifact export, metrics) over the manager,
        // and the client the command line uses to drive a running daemon.
        .target(
            name: "AntaresDaemon",
            dependencies: [
                "ScorpioKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "scorpio",
            dependencies: [
                "ScorpioKit", "AntaresDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Every command starts this executable, and a release build starts faster as a
            // position-dependent one that exports only the symbols its libraries call back (the
            // static runtime's link arguments export all 43k): no ~170k relative relocations to apply,
            // no 1 MB symbol table to page in and scan. About 3 ms of each start (docs/benchmarks.md); the
            // executable's own addresses are then not randomized (its libraries', heap's and stack's are).
            // The runtime's C++ library, its unwinder and zlib link from their archives too (Linking/):
            // libc and libm are then all the shared libraries a command loads.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic",
                        "-L", Context.packageDirectory + "/Linking", "-Xclang-linker", "-static-libgcc",
                    ],
                    .when(configuration: .release))
            ]
        ),

        // An in-memory read-write filesystem served through FuseKit: the binding's example and test subject.
        .target(name: "MemFS", dependencies: ["FuseKit"], path: "examples/memfs/MemFS"),
        .executableTarget(name: "scorpio-memfs", dependencies: ["MemFS"], path: "examples/memfs/Tool"),
        // ScorpioKit from Swift: a job mounted by hand, then a whole run.
        .executableTarget(
            name: "scorpio-library-example", dependencies: ["ScorpioKit", .product(name: "SystemPackage", package: "swift-system")],
            path: "examples/library"
        ),

        .testTarget(name: "FuseKitTests", dependencies: ["FuseKit", "MemFS", "CFuse", "CSyscalls", "ScorpioTestSupport"]),
        // Scratch directories, shell commands, test repositories and tree snapshots for the test targets.
        .target(name: "ScorpioTestSupport", dependencies: ["CSyscalls", .product(name: "SystemPackage", package: "swift-system")], path: "Tests/Support"),
        .testTarget(name: "DicfuseTests", dependencies: ["Dicfuse", "Antares", "FuseKit", "CSyscalls", "ScorpioTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AntaresTests", dependencies: ["Antares", "Dicfuse", "FuseKit", "CSyscalls", "ScorpioTestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "ScorpioTestSupport"]),
        .testTarget(name: "ArtifactTests", dependencies: ["Artifact", "ScorpioTestSupport"]),
        .testTarget(name: "ScorpioKitTests", dependencies: ["ScorpioKit", "ScorpioTestSupport", .product(name: "SystemPackage", package: "swift-system")]),
        // Starts the daemon on loopback and drives it over HTTP.
        .testTarget(
            name: "AntaresDaemonTests",
            dependencies: [
                "Antares", "AntaresDaemon", "ScorpioKit", "ScorpioTestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Differential conformance: the same system calls against kernel overlayfs over plain directories
        // and against each union driver over the same layers, as root and as other uids (docs/conformance.md).
        // The runner performs a script of calls with the credentials it was started with (setpriv).
        .executableTarget(name: "conformance-runner", path: "Tests/ConformanceRunner"),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["Antares", "Dicfuse", "CSyscalls", "ScorpioTestSupport", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The command-line tool's own parsing, in process.
        .testTarget(name: "ScorpioCommandTests", dependencies: ["scorpio"]),
        // Drives the built `scorpio` binary end to end.
        .testTarget(name: "ScorpioCLITests", dependencies: ["ScorpioKit", "ScorpioTestSupport", "CSyscalls", .product(name: "SystemPackage", package: "swift-system")]),
    ]
)
