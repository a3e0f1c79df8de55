import ArgumentParser
import Foundation

/// Output paths checked before any work starts — the extension is one the flag writes and the
/// directory exists — so a long run never fails at its last step, and `--out x.csv` never receives
/// another format's bytes.
enum OutputPath {
    /// Label files: `.npy` or `.csv` (`LabelFile`).
    static let labels = ["npy", "csv"]
    /// Feature matrices, embeddings, reconstructions and merge trees.
    static let npy = ["npy"]
    /// Figures drawn with cairo: PNG or SVG, chosen by the extension.
    static let figures = ["png", "svg"]

    /// Throws one line naming `flag` and `path` when `path` (if given) has none of `extensions`
    /// (lower-case, without the dot) or its directory does not exist.
    static func check(_ path: String?, flag: String, extensions: [String]) throws {
        guard let path else { return }
        let url = URL(fileURLWithPath: path)
        guard extensions.contains(url.pathExtension.lowercased()) else {
            let names = extensions.map { "." + $0 }
            let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
            throw ValidationError("\(flag) \(path): the file name must end in \(list)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("\(flag) \(path) is a directory, not a file")
        }
        let directory = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ValidationError("\(flag) \(path): directory \(directory) does not exist")
        }
        guard isDirectory.boolValue else { throw ValidationError("\(flag) \(path): \(directory) is a file, not a directory") }
    }

    /// Throws one line naming `flag` and `path` when the output directory `path` cannot be made:
    /// it, or the nearest of its ancestors that exists, is not a directory. A directory that does not
    /// exist yet is fine (the command creates it, with its parents, when it writes).
    static func checkDirectory(_ path: String, flag: String) throws {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return }
            url = parent
        }
        guard isDirectory.boolValue else {
            let itself = url.path == URL(fileURLWithPath: path).standardizedFileURL.path
            throw ValidationError(itself ? "\(flag) \(path) is a file, not a directory"
                : "\(flag) \(path): \(url.path) is a file, not a directory")
        }
    }
}
