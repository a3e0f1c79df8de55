import ArgumentParser
import Backend
import Foundation

/// `fmnist`: the Fashion-MNIST deep-clustering study from one command line.
@main
struct FMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmnist",
        abstract: "Fashion-MNIST deep clustering on OpenCL or BLAS.",
        subcommands: [DevicesCommand.self, BenchCommand.self, DataCommand.self, TrainCommand.self, EncodeCommand.self, ReconstructCommand.self, TestCommand.self, ClusterCommand.self, EmbedCommand.self, EvaluateCommand.self, ElbowCommand.self, StudyCommand.self, QuantizeCommand.self, DeepClusterCommand.self])

    /// Parses (usage help on a malformed command line), then runs; an error while running is one
    /// `Error:` line on standard error and a non-zero exit, without the usage text.
    static func main() {
        BLASCoreChoice.restartWithBetterKernelsIfNeeded()
        var command: ParsableCommand
        do { command = try parseAsRoot(NegativeValues.joined(Array(CommandLine.arguments.dropFirst()))) } catch { exit(withError: error) }
        do {
            do {
                try CPUThreads.checkEnvironment(); try DistanceBlocks.checkEnvironment(); try TopKSelection.checkEnvironment()
                try BoruvkaSearch.checkEnvironment(); try TrainingBatchGroups.checkEnvironment()
                try SplitK.checkEnvironment(); try GemmTuning.checkEnvironment(); try OpenCLBackend.KernelStyle.checkEnvironment()
                try ConvolutionForward.checkEnvironment()
            } catch { throw ValidationError("\(error)") }
            try command.run()
            try KernelProfileOutput.writeIfRequested()
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}
