// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Mailvault",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MailvaultCore", targets: ["MailvaultCore"]),
        .executable(name: "mailvault", targets: ["mailvault"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Pure engine: codec, Keccak, bloom, PoW. Standard library only, no I/O.
        .target(name: "MailvaultCore"),

        // System-library shims for the archive (the store builds on them).
        .systemLibrary(
            name: "CLMDB",
            path: "Sources/CLMDB",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            path: "Sources/CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),

        .executableTarget(
            name: "mailvault",
            dependencies: [
                "MailvaultCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "MailvaultCoreTests",
            dependencies: ["MailvaultCore"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "mailvaultTests",
            dependencies: ["mailvault", "MailvaultCore"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
