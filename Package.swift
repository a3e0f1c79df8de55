// swift-tools-version:6.0
import PackageDescription

let optimise: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "fmnist",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fmnist", targets: ["fmnist"]),
        .library(name: "Backend", targets: ["Backend"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL", pkgConfig: "OpenCL",
                       providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Kernels", path: "Sources/Kernels"),
        .target(name: "Backend", dependencies: ["Kernels", "COpenCL", "CBLAS"], path: "Sources/Backend",
                swiftSettings: optimise),
        .target(name: "Bench", dependencies: ["Backend"], path: "Sources/Bench"),
        .target(name: "Models", dependencies: ["Backend"], path: "Sources/Models"),
        .target(name: "Cluster", dependencies: ["Backend"], path: "Sources/Cluster"),
        .executableTarget(name: "fmnist", dependencies: [
            "Backend", "Bench", "Models", "Cluster",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/fmnist"),
        .testTarget(name: "BackendTests", dependencies: ["Backend"], path: "Tests/BackendTests"),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Backend"], path: "Tests/BenchTests"),
        .testTarget(name: "fmnistTests", dependencies: ["fmnist"], path: "Tests/fmnistTests"),
    ],
    swiftLanguageModes: [.v5]
)
