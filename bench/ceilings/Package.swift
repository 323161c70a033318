// swift-tools-version: 6.1
// The ceilings `bench/run ceiling` reads hookstream's ratios against: a bare SwiftNIO and a bare
// Hummingbird server, each answering 200 to any request. Its own package (not a target of the
// root Package.swift) so that the product build and CI never compile it; the versions are the
// root's, so the ceilings measure the same framework code hookstream ships with.
import PackageDescription

let package = Package(
    name: "hookstream-ceilings",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .target(name: "CeilingSupport"),
        .executableTarget(
            name: "nio-ceiling",
            dependencies: [
                "CeilingSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "hummingbird-ceiling",
            dependencies: [
                "CeilingSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ]
)
