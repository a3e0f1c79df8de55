import Foundation

/// Command-line words made ready for the parser: swift-argument-parser reads a word that starts with
/// `-` as an option, so `--epochs -1` used to fail with "Missing value for '--epochs'" although a value
/// was typed. A long option followed by a negative number is passed as `--epochs=-1` instead, so the
/// option's own check names the value ("--epochs -1 must be at least 1"). Words after `--` are left alone.
enum NegativeValues {
    static func joined(_ words: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            if word == "--" { return out + words[i...] }
            if i + 1 < words.count, word.hasPrefix("--"), word.count > 2, !word.contains("="), isNegativeNumber(words[i + 1]) {
                out.append(word + "=" + words[i + 1])
                i += 2
                continue
            }
            out.append(word)
            i += 1
        }
        return out
    }

    /// `-1`, `-0.5`, `-.5`, `-1e-3`, `-inf`, `-nan`: what Int or Double would read as a negative number.
    static func isNegativeNumber(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let rest = word.dropFirst()
        guard let first = rest.first, first.isNumber || first == "." || first == "i" || first == "n" else { return false }
        return Double(word) != nil
    }
}
