import Backend
import Dataset
import FuzzSupport
import Models
import Reduce

/// libFuzzer entry: any bytes must parse as safetensors or throw; what parses must re-encode and
/// parse back to the same file; and loading it as a checkpoint (architecture from the metadata or
/// the tensor names, then the weights into a network on the CPU backend) must load or throw, never
/// crash, hang or allocate without bound; and as a PCA model (`--transform-with`).
@main
enum Main {
    static func main() { runFuzzer(fuzzSafetensors) }
}

let backend = CPUBackend()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? Safetensors(parsing: bytes, name: "fuzz") else { return 0 }
    let again = try? Safetensors(parsing: file.encoded(), name: "re-encoded")
    // Compared bit for bit: a NaN in the data is kept, but NaN != NaN as a Float.
    precondition(again?.metadata == file.metadata && again?.tensors.map(\.name) == file.tensors.map(\.name)
                 && again?.tensors.map { $0.tensor.shape } == file.tensors.map { $0.tensor.shape }
                 && again?.tensors.map { $0.tensor.values.map(\.bitPattern) } == file.tensors.map { $0.tensor.values.map(\.bitPattern) },
                 "safetensors: round trip changed the file")
    if let architecture = try? Checkpoint.architecture(of: file, path: "fuzz") {
        _ = try? Checkpoint.load(file, source: "fuzz", as: architecture, backend: backend)
    }
    if let model = try? PCA.Model(file: file, source: "fuzz") {
        precondition(model.components.count == model.count * model.dim, "PCA model: components do not match its shape")
    }
    for task in TrainingTask.allCases {
        _ = try? ArchitectureRequest(name: nil, task: task, dropout: 0).initialising(from: file, path: "fuzz")
    }
    return 0
}
