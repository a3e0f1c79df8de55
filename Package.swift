// swift-tools-version:6.0
import PackageDescription

/// Release builds drop bounds checks in the numeric targets; debug builds of the data loader are
/// still optimised, so tests on the real 70,000 images stay fast.
let optimise: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
let optimiseAlways: [SwiftSetting] = optimise + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "fmnist",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fmnist", targets: ["fmnist"]),
        .library(name: "Backend", targets: ["Backend"]),
        .library(name: "Dataset", targets: ["Dataset"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Reduce", targets: ["Reduce"]),
        .library(name: "Study", targets: ["Study"]),
        .library(name: "DeepCluster", targets: ["DeepCluster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL", pkgConfig: "OpenCL",
                       providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "Kernels", path: "Sources/Kernels"),
        .target(name: "CIntrinsics", path: "Sources/CIntrinsics"),
        .target(name: "Progress", path: "Sources/Progress"),
        .target(name: "Dataset", dependencies: ["CZlib"], path: "Sources/Dataset", swiftSettings: optimiseAlways),
        .target(name: "Imaging", dependencies: ["CPNG", "CJPEG", "CCairo", "Dataset"], path: "Sources/Imaging"),
        .target(name: "Backend", dependencies: ["Kernels", "COpenCL", "CBLAS", "CIntrinsics"], path: "Sources/Backend",
                swiftSettings: optimiseAlways),
        .target(name: "Bench", dependencies: ["Backend"], path: "Sources/Bench"),
        .target(name: "Models", dependencies: ["Backend", "Dataset"], path: "Sources/Models", swiftSettings: optimiseAlways),
        .target(name: "Cluster", dependencies: ["Backend", "Dataset", "CBLAS"], path: "Sources/Cluster", swiftSettings: optimiseAlways),
        .target(name: "Reduce", dependencies: ["Backend", "Dataset", "CBLAS", "CFFTW", "CIntrinsics"], path: "Sources/Reduce", swiftSettings: optimiseAlways),
        .target(name: "DeepCluster", dependencies: ["Backend", "Dataset", "Models", "Cluster", "Reduce"], path: "Sources/DeepCluster",
                swiftSettings: optimiseAlways),
        .target(name: "Study", dependencies: ["Backend", "Dataset", "Imaging", "Models", "Cluster", "Progress", "Reduce", "DeepCluster"],
                path: "Sources/Study", swiftSettings: optimiseAlways),
        .executableTarget(name: "fmnist", dependencies: [
            "Backend", "Bench", "Dataset", "Imaging", "Models", "Cluster", "Progress", "Reduce", "Study", "DeepCluster",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/fmnist"),
        .testTarget(name: "BackendTests", dependencies: ["Backend", "Dataset", "CIntrinsics", "CBLAS"], path: "Tests/BackendTests",
                    resources: [.copy("TorchFixtures")]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Backend"], path: "Tests/BenchTests"),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Backend", "Dataset"], path: "Tests/ModelsTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Backend", "Dataset", "Kernels"], path: "Tests/ClusterTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ReduceTests", dependencies: ["Reduce", "Backend", "Dataset", "CIntrinsics"], path: "Tests/ReduceTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "DeepClusterTests", dependencies: ["DeepCluster", "Models", "Backend", "Dataset", "Cluster"],
                    path: "Tests/DeepClusterTests"),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Backend", "Dataset", "Imaging"], path: "Tests/StudyTests"),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset"], path: "Tests/DatasetTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Dataset"], path: "Tests/ImagingTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "fmnistTests", dependencies: ["fmnist", "Progress"], path: "Tests/fmnistTests"),
    ],
    swiftLanguageModes: [.v5]
)
