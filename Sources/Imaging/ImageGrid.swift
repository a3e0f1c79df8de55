/// A figure of small grayscale images in rows, each row with a caption on its left, optionally a
/// caption under each image and a title on top (e.g. one row per class of random samples, or
/// originals above reconstructions).
public struct ImageGrid {
    /// One row: its caption and its images (each `imageHeight x imageWidth` values in [0, 1]).
    public struct Row {
        public var caption: String
        public var images: [ArraySlice<Float>]
        public var imageCaptions: [String]
        public init(caption: String, images: [ArraySlice<Float>], imageCaptions: [String] = []) {
            (self.caption, self.images, self.imageCaptions) = (caption, images, imageCaptions)
        }
    }

    public var title: String?
    public var rows: [Row]
    public var imageWidth: Int
    public var imageHeight: Int
    /// Pixels per image pixel (default 2, so 28x28 images become 56x56).
    public var scale = 2
    /// Pixels per font pixel.
    public var textScale = 2

    public init(title: String? = nil, rows: [Row], imageWidth: Int, imageHeight: Int) {
        (self.title, self.rows, self.imageWidth, self.imageHeight) = (title, rows, imageWidth, imageHeight)
    }

    public func render() -> Raster {
        let gap = 4
        let lineHeight = (BitmapFont.glyphHeight + 3) * textScale
        let labelWidth = (rows.map { Canvas.textWidth($0.caption, scale: textScale) }.max() ?? 0) + 3 * gap
        let columns = rows.map(\.images.count).max() ?? 0
        let cellWidth = imageWidth * scale + gap
        let hasImageCaptions = rows.contains { !$0.imageCaptions.isEmpty }
        let rowHeight = imageHeight * scale + gap + (hasImageCaptions ? lineHeight : 0)
        let top = (title == nil ? 0 : lineHeight + gap) + gap
        let titleWidth = title.map { Canvas.textWidth($0, scale: textScale) + 2 * gap } ?? 0
        var canvas = Canvas(width: max(titleWidth, labelWidth + columns * cellWidth + gap), height: top + rows.count * rowHeight + gap)
        if let title { canvas.drawText(title, x: gap, y: gap, scale: textScale) }
        for (r, row) in rows.enumerated() {
            let y = top + r * rowHeight
            canvas.drawText(row.caption, x: gap, y: y + (imageHeight * scale - BitmapFont.glyphHeight * textScale) / 2, scale: textScale)
            for (c, image) in row.images.enumerated() {
                let x = labelWidth + c * cellWidth
                canvas.drawGray(image, width: imageWidth, height: imageHeight, x: x, y: y, scale: scale)
                if c < row.imageCaptions.count {
                    // Captions are cut to the image's width so neighbours never run together.
                    let fits = max(1, (imageWidth * scale + gap) / (BitmapFont.advance * max(1, textScale - 1)))
                    canvas.drawText(String(row.imageCaptions[c].prefix(fits)), x: x, y: y + imageHeight * scale + 2, scale: max(1, textScale - 1))
                }
            }
        }
        return canvas.raster
    }
}
