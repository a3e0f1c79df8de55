import Foundation

/// Images and their labels: `images` holds `count` images of `height x width` pixels, row-major,
/// as Float32 in [0, 1] (byte / 255); `labels[i]` is the class (0-9) of image `i`.
public struct LabeledImages: Equatable {
    public var images: [Float]
    public var labels: [Int32]
    public let height: Int
    public let width: Int

    public var count: Int { labels.count }
    public var pixelsPerImage: Int { height * width }

    /// 8-bit intensities (0-255) as the Float32 pixels in [0, 1] every image here holds: byte x (1 / 255),
    /// the one conversion for the IDX files and for uint8 arrays given as `--input`.
    public static func pixels(fromBytes bytes: [UInt8]) -> [Float] {
        let scale: Float = 1 / 255
        return bytes.map { Float($0) * scale }
    }

    public init(images: [Float], labels: [Int32], height: Int, width: Int) {
        precondition(images.count == labels.count * height * width, "LabeledImages: \(images.count) pixels for \(labels.count) images")
        (self.images, self.labels, self.height, self.width) = (images, labels, height, width)
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledImages {
        let p = pixelsPerImage
        var pixels = [Float]()
        pixels.reserveCapacity(indices.count * p)
        for i in indices { pixels.append(contentsOf: images[(i * p) ..< ((i + 1) * p)]) }
        return LabeledImages(images: pixels, labels: indices.map { labels[$0] }, height: height, width: width)
    }

    /// These images followed by `other`'s (same image size).
    public func appending(_ other: LabeledImages) -> LabeledImages {
        precondition(other.height == height && other.width == width, "LabeledImages.appending: image sizes differ")
        return LabeledImages(images: images + other.images, labels: labels + other.labels, height: height, width: width)
    }

    /// The first `limit` images (all when `limit` is nil or larger than the count).
    public func prefix(_ limit: Int?) -> LabeledImages {
        guard let limit, limit < count else { return self }
        return subset(Array(0 ..< limit))
    }

    /// Image `i`'s pixels.
    public func image(_ i: Int) -> ArraySlice<Float> { images[(i * pixelsPerImage) ..< ((i + 1) * pixelsPerImage)] }
}

/// The Fashion-MNIST data set: 60,000 training and 10,000 test images, 28x28, 10 classes.
public struct FashionMNIST {
    /// Class names in label order.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let debianDirectory = "/usr/share/datasets/fashion-mnist"
    public static let installHint = "install it with `apt-get install dataset-fashion-mnist` or pass --data-dir"

    public var train: LabeledImages
    public var test: LabeledImages

    /// Every image in file order, what `--split all` means in every command and what the papers
    /// score: the training images, then the test images (the first `limit` of each when given).
    public func allImages(limit: Int?) -> LabeledImages { train.prefix(limit).appending(test.prefix(limit)) }

    /// The directory to load from: `flag` (`--data-dir`), else `$FMNIST_DATA`, else Debian's path.
    public static func directory(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["FMNIST_DATA"], !env.isEmpty { return env }
        return debianDirectory
    }

    /// Loads the four IDX files (`train`/`t10k` `-images-idx3-ubyte` and `-labels-idx1-ubyte`, each
    /// gzip-compressed with `.gz` or plain) from `directory`.
    public static func load(from directory: String) throws -> FashionMNIST {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError("\(directory): no such directory; Fashion-MNIST is missing: \(installHint)")
        }
        // The four files decompress independently; do them in parallel.
        let names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        var results = [Result<IDXFile, Error>?](repeating: nil, count: 4)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let result = Result { try readIDX(directory: directory, name: names[i], dimensions: i % 2 == 0 ? 3 : 1) }
            lock.lock(); results[i] = result; lock.unlock()
        }
        let files = try results.map { try $0!.get() }
        return FashionMNIST(train: try pair(files[0], files[1], names[0], names[1], directory: directory),
                            test: try pair(files[2], files[3], names[2], names[3], directory: directory))
    }

    private static func readIDX(directory: String, name: String, dimensions: Int) throws -> IDXFile {
        let base = URL(fileURLWithPath: directory)
        let gz = base.appendingPathComponent(name + ".gz").path
        let plain = base.appendingPathComponent(name).path
        let path = FileManager.default.fileExists(atPath: gz) ? gz : plain
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError("\(gz): no such file (nor \(name)); Fashion-MNIST is missing: \(installHint)")
        }
        return try IDXFile(parsing: try Gzip.readMaybeCompressed(path), name: path, expectedDimensions: dimensions)
    }

    private static func pair(_ images: IDXFile, _ labels: IDXFile, _ imageName: String, _ labelName: String,
                             directory: String) throws -> LabeledImages {
        let (n, h, w) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard h == 28, w == 28 else {
            throw DataError("\(directory)/\(imageName): images are \(h)x\(w), Fashion-MNIST's are 28x28")
        }
        guard labels.dimensions[0] == n else {
            throw DataError("\(directory): \(imageName) holds \(n) images but \(labelName) holds \(labels.dimensions[0]) labels")
        }
        if let bad = labels.bytes.firstIndex(where: { $0 > 9 }) {
            throw DataError("\(directory)/\(labelName): label \(labels.bytes[bad]) at index \(bad) is not a class 0-9")
        }
        return LabeledImages(images: LabeledImages.pixels(fromBytes: images.bytes), labels: labels.bytes.map { Int32($0) }, height: h, width: w)
    }
}
