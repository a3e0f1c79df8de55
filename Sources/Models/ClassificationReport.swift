/// Accuracy, per-class precision / recall / F1, their macro averages and the confusion matrix
/// (rows: true class, columns: predicted class) of predicted against true labels.
public struct ClassificationReport: Codable, Equatable {
    public var accuracy: Double
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    public var macroPrecision: Double
    public var macroRecall: Double
    public var macroF1: Double
    public var confusion: [[Int]]

    /// Precision or recall of a class that is never predicted (or never present) counts as 0, as
    /// scikit-learn's default `zero_division` warning value.
    public init(truth: [Int32], predicted: [Int32], classes: Int) {
        precondition(truth.count == predicted.count, "ClassificationReport: \(truth.count) labels vs \(predicted.count) predictions")
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) { confusion[Int(t)][Int(p)] += 1 }
        let correct = (0 ..< classes).reduce(0) { $0 + confusion[$1][$1] }
        accuracy = truth.isEmpty ? 0 : Double(correct) / Double(truth.count)
        precision = (0 ..< classes).map { c in
            let predictedC = (0 ..< classes).reduce(0) { $0 + confusion[$1][c] }
            return predictedC == 0 ? 0 : Double(confusion[c][c]) / Double(predictedC)
        }
        recall = (0 ..< classes).map { c in
            let actual = confusion[c].reduce(0, +)
            return actual == 0 ? 0 : Double(confusion[c][c]) / Double(actual)
        }
        f1 = zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
        macroPrecision = precision.reduce(0, +) / Double(classes)
        macroRecall = recall.reduce(0, +) / Double(classes)
        macroF1 = f1.reduce(0, +) / Double(classes)
        self.confusion = confusion
    }

    /// The confusion matrix as CSV with a header row of class names.
    public func confusionCSV(classNames: [String]) -> String {
        let quote = { (s: String) in "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var lines = ["true\\predicted," + classNames.map(quote).joined(separator: ",")]
        for (c, row) in confusion.enumerated() { lines.append(quote(classNames[c]) + "," + row.map(String.init).joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

import Foundation
