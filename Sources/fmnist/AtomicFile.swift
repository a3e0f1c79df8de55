import Foundation

/// Writes `data` to `path` through a temporary file in the same directory and a rename, so an
/// interrupted run leaves either the old file or the new one, never a partial file.
func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CLIError("\(path): directory \(directory.path) does not exist")
    }
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
        try data.write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            throw CLIError("\(path): cannot replace the file: \(String(cString: strerror(errno)))")
        }
    } catch let error as CLIError {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw CLIError("\(path): cannot write: \(error.localizedDescription)")
    }
}

/// A one-line error for the user.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
