// swift-tools-version:6.0
// libFuzzer targets for the file readers. Build and run (see README "Fuzzing"):
//   swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
//   Fuzz/.build/debug/FuzzIDX -max_total_time=300 NEW_CORPUS_DIR Fuzz/corpus/idx
import PackageDescription

let package = Package(
    name: "fmnist-fuzz",
    dependencies: [.package(name: "fmnist", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzIDX", dependencies: ["FuzzSupport", .product(name: "Dataset", package: "fmnist")]),
        .executableTarget(name: "FuzzNPY", dependencies: ["FuzzSupport", .product(name: "Dataset", package: "fmnist")]),
        .executableTarget(name: "FuzzLabels", dependencies: ["FuzzSupport", .product(name: "Dataset", package: "fmnist")]),
        .executableTarget(name: "FuzzPNG", dependencies: ["FuzzSupport", .product(name: "Imaging", package: "fmnist")]),
        .executableTarget(name: "FuzzJPEG", dependencies: ["FuzzSupport", .product(name: "Imaging", package: "fmnist")]),
        .executableTarget(name: "FuzzSafetensors", dependencies: [
            "FuzzSupport", .product(name: "Dataset", package: "fmnist"), .product(name: "Backend", package: "fmnist"),
            .product(name: "Models", package: "fmnist"), .product(name: "Reduce", package: "fmnist"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
