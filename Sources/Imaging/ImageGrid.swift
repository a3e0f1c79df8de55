/// A figure of small grayscale images in rows, each row with a caption on its left, optionally a
/// caption under each image and a title on top (e.g. one row per class of random samples, or
/// originals above reconstructions).
public struct ImageGrid: Figure {
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

    private struct Layout {
        let gap = 4, lineHeight: Int, captionScale: Int, labelWidth: Int, cellWidth: Int, rowHeight: Int, top: Int, width: Int, height: Int
    }

    /// Columns are as wide as the widest image caption (plus a gap), so captions are never cut and
    /// never touch their neighbours; images and captions are centred in them.
    private var layout: Layout {
        let gap = 4
        let lineHeight = (BitmapFont.glyphHeight + 3) * textScale
        let captionScale = max(1, textScale - 1)
        let labelWidth = (rows.map { Canvas.textWidth($0.caption, scale: textScale) }.max() ?? 0) + 3 * gap
        let columns = rows.map(\.images.count).max() ?? 0
        let widestCaption = rows.flatMap(\.imageCaptions).map { Canvas.textWidth($0, scale: captionScale) }.max() ?? 0
        let cellWidth = max(imageWidth * scale, widestCaption) + 2 * gap
        let hasImageCaptions = rows.contains { !$0.imageCaptions.isEmpty }
        let rowHeight = imageHeight * scale + gap + (hasImageCaptions ? lineHeight : 0)
        let top = (title == nil ? 0 : lineHeight + gap) + gap
        let titleWidth = title.map { Canvas.textWidth($0, scale: textScale) + 2 * gap } ?? 0
        return Layout(lineHeight: lineHeight, captionScale: captionScale, labelWidth: labelWidth, cellWidth: cellWidth, rowHeight: rowHeight,
                      top: top, width: max(titleWidth, labelWidth + columns * cellWidth + gap), height: top + rows.count * rowHeight + gap)
    }

    public var width: Int { layout.width }
    public var height: Int { layout.height }

    public func draw<S: DrawingSurface>(on canvas: inout S) {
        let l = layout
        if let title { canvas.drawText(title, x: l.gap, y: l.gap, scale: textScale) }
        for (r, row) in rows.enumerated() {
            let y = l.top + r * l.rowHeight
            canvas.drawText(row.caption, x: l.gap, y: y + (imageHeight * scale - BitmapFont.glyphHeight * textScale) / 2, scale: textScale)
            for (c, image) in row.images.enumerated() {
                let cell = l.labelWidth + c * l.cellWidth
                canvas.drawGray(image, width: imageWidth, height: imageHeight, x: cell + (l.cellWidth - imageWidth * scale) / 2, y: y, scale: scale)
                if c < row.imageCaptions.count {
                    let caption = row.imageCaptions[c]
                    canvas.drawText(caption, x: cell + (l.cellWidth - Canvas.textWidth(caption, scale: l.captionScale)) / 2,
                                    y: y + imageHeight * scale + 2, scale: l.captionScale)
                }
            }
        }
    }
}
