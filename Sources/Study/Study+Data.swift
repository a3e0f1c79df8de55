import Dataset
import Foundation
import Imaging

extension Study {
    /// Counts per class and split, the label distribution, sample images per class, and the pixel
    /// mean and standard deviation maps (seed 004: are central pixels different from the border?).
    func runData() throws {
        let (data, splits) = try dataset.get()
        let images = try clustered.get()
        let names = FashionMNIST.classNames
        func perClass(_ labels: [Int32]) -> [Int] {
            var counts = [Int](repeating: 0, count: names.count)
            for l in labels where l >= 0 && Int(l) < counts.count { counts[Int(l)] += 1 }
            return counts
        }
        let train = perClass(splits.train.map { data.train.labels[$0] }), validation = perClass(splits.validation.map { data.train.labels[$0] })
        let test = perClass(data.test.labels)
        // Per-pixel mean and standard deviation over the clustered images (Double sums).
        let p = images.pixelsPerImage
        var sum = [Double](repeating: 0, count: p), squares = [Double](repeating: 0, count: p)
        images.images.withUnsafeBufferPointer { x in
            for i in 0 ..< images.count {
                for j in 0 ..< p { let v = Double(x[i * p + j]); sum[j] += v; squares[j] += v * v }
            }
        }
        let n = Double(max(1, images.count))
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { sqrt(max(0, $0 / n - $1 * $1)) }
        func region(_ inside: (Int, Int) -> Bool) -> (Double, Double) {
            var s = 0.0, q = 0.0, c = 0.0
            for y in 0 ..< images.height {
                for x in 0 ..< images.width where inside(x, y) { s += sum[y * images.width + x]; q += squares[y * images.width + x]; c += n }
            }
            let m = s / max(1, c)
            return (m, sqrt(max(0, q / max(1, c) - m * m)))
        }
        let centre = region { x, y in (7 ..< 21).contains(x) && (7 ..< 21).contains(y) }
        let border = region { x, y in x < 4 || y < 4 || x >= images.width - 4 || y >= images.height - 4 }
        let all = region { _, _ in true }
        record.data = DataSummary(classNames: names, train: train, validation: validation, test: test, clustered: perClass(images.labels),
                                  pixelMean: all.0, pixelStd: all.1, centreMean: centre.0, centreStd: centre.1,
                                  borderMean: border.0, borderStd: border.1)
        current.computed += 1

        figure("data-labels", section: "data", title: "Images per class and split",
               caption: "Every class has the same number of images in each split: Fashion-MNIST is balanced, so accuracy and purity are not skewed by class sizes.") {
            try BarChart(title: "Images per class", categories: names,
                         series: [("train", train.map(Double.init)), ("validation", validation.map(Double.init)), ("test", test.map(Double.init))]).cairoPNG()
        }
        figure("data-samples", section: "data", title: "Sample images per class",
               caption: "Eight random clustered images of each class (seeded).") {
            var rng = SplitMix64(seed: settings.seed ^ 0xDA7A)
            let rows = names.enumerated().map { c, name -> ImageGrid.Row in
                var members = (0 ..< images.count).filter { images.labels[$0] == Int32(c) }
                rng.shuffle(&members)
                return ImageGrid.Row(caption: name, images: members.prefix(8).map { images.image($0) })
            }
            return try ImageGrid(rows: rows, imageWidth: images.width, imageHeight: images.height).cairoPNG()
        }
        figure("data-pixels", section: "data", title: "Pixel mean and standard deviation",
               caption: String(format: "Per-pixel mean (left) and standard deviation (right, scaled to its maximum) of the clustered images. "
                   + "Centre 14 x 14: mean %.3f, std %.3f; 4-pixel border: mean %.3f, std %.3f (0 is black, the background).",
                   centre.0, centre.1, border.0, border.1)) {
            let maxStd = max(1e-12, std.max() ?? 1)
            let row = ImageGrid.Row(caption: "", images: [mean.map(Float.init)[...], std.map { Float($0 / maxStd) }[...]],
                                    imageCaptions: ["mean", "std"])
            var grid = ImageGrid(rows: [row], imageWidth: images.width, imageHeight: images.height)
            grid.scale = 6
            return try grid.cairoPNG()
        }
    }
}
