import Foundation
import XCTest

/// Runs the built `fmnist` binary as a user would and checks exit codes, output and error lines.
final class CLITests: XCTestCase {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> FmnistProcess.Outcome {
        try FmnistProcess.run(arguments, environment: environment)
    }

    /// A directory with no ICD files: the OpenCL loader then finds no platform.
    func emptyVendorDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-no-icd-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    func testDevicesJSON() throws {
        let outcome = try run(["devices", "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let cpu = try XCTUnwrap(json["cpu"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(cpu["blasThreads"] as? Int), 1)
        XCTAssertTrue((cpu["blas"] as? String ?? "").contains("OpenBLAS"))
        let auto = try XCTUnwrap(json["auto"] as? [String: Any])
        let devices = try XCTUnwrap(json["openCLDevices"] as? [[String: Any]])
        let hasGPU = devices.contains { $0["type"] as? String == "gpu" }
        XCTAssertEqual(auto["backend"] as? String, hasGPU ? "opencl" : "cpu")
        if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" {
            XCTAssertFalse(devices.isEmpty, "FMNIST_REQUIRE_OPENCL=1 but `fmnist devices` lists no OpenCL device")
        }
    }

    /// A user's `OPENBLAS_CORETYPE` is kept even when it names the generic kernels fmnist would
    /// otherwise replace: no restart, no fallback reported.
    /// `FMNIST_THREADS` changes how many threads work, never a result: a dense autoencoder trained
    /// for an epoch, its codes, UMAP of them (blocked SGD across the threads) and K-means, on 1 and 3
    /// threads, are the same files byte for byte (the products' cut into BLAS calls is fixed,
    /// `GemmSplit`; UMAP's blocks do not depend on the threads). A bad value is one line.
    func testResultsDoNotDependOnTheThreadCount() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-threads-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String: [Data]] = [:]
        for threads in ["1", "3"] {
            let out = "\(dir)/\(threads)"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let steps = [
                ["train", "autoencoder", "--arch", "dense-ae", "--epochs", "1", "--limit", "700", "--out", "\(out)/ae.safetensors"],
                ["encode", "--model", "\(out)/ae.safetensors", "--split", "test", "--limit", "1500", "--out", "\(out)/codes.npy"],
                ["embed", "--method", "umap", "--input", "\(out)/codes.npy", "--dims", "4", "--epochs", "60", "--sgd", "blocked",
                 "--out", "\(out)/umap.npy"],
                ["cluster", "--input", "\(out)/umap.npy", "--out", "\(out)/labels.npy"],
            ]
            for step in steps {
                let outcome = try run(step + ["--quiet", "--backend", "cpu"], environment: ["FMNIST_THREADS": threads])
                XCTAssertEqual(outcome.status, 0, "\(step) on \(threads) threads: \(outcome.stderr)")
            }
            for name in ["ae.safetensors", "codes.npy", "umap.npy", "labels.npy"] {
                files[name, default: []].append(try XCTUnwrap(FileManager.default.contents(atPath: "\(out)/\(name)")))
            }
        }
        for (name, versions) in files { XCTAssertEqual(versions[0], versions[1], "\(name) differs between 1 and 3 threads") }
        for bad in ["0", "two", "-1", "5000"] {
            assertOneErrorLine(try run(["devices"], environment: ["FMNIST_THREADS": bad]),
                               containing: "FMNIST_THREADS='\(bad)' must be a whole number of threads from 1 to 1024", bad)
        }
        let three = try run(["devices", "--json"], environment: ["FMNIST_THREADS": "3"])
        let cpu = (try JSONSerialization.jsonObject(with: Data(three.stdout.utf8)) as? [String: Any])?["cpu"] as? [String: Any]
        XCTAssertEqual(cpu?["threads"] as? Int, 3)
        // The machine's own check of the rule `GemmSplit` relies on (this CPU's BLAS kernels).
        XCTAssertEqual(cpu?["productsIgnoreThreadCount"] as? Bool, true)
        XCTAssertTrue(["AVX-512F", "AVX2", "none"].contains(cpu?["convolutionKernels"] as? String ?? "missing"))
    }

    func testUsersOpenBLASCoretypeStands() throws {
        let outcome = try run(["devices", "--json"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let cpu = try XCTUnwrap(json["cpu"] as? [String: Any])
        XCTAssertEqual(cpu["blasCore"] as? String, "Prescott")
        XCTAssertEqual(cpu["openblasCoretype"] as? String, "Prescott")
        XCTAssertNil(cpu["openblasFallback"] as? String)
    }

    func testNoOpenCLPlatform() throws {
        let env = ["OCL_ICD_VENDORS": try emptyVendorDirectory(), "OPENCL_VENDOR_PATH": try emptyVendorDirectory()]
        let devices = try run(["devices"], environment: env)
        XCTAssertEqual(devices.status, 0, devices.stderr)
        XCTAssertTrue(devices.stdout.contains("--backend auto: cpu"), devices.stdout)

        let forced = try run(["bench", "--backend", "opencl", "--ops", "gemm", "--sizes", "8"], environment: env)
        XCTAssertNotEqual(forced.status, 0)
        let errorLines = forced.stderr.split(separator: "\n").filter { $0.contains("rror") }
        XCTAssertEqual(errorLines.count, 1, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("no OpenCL device"), forced.stderr)

        let fallback = try run(["bench", "--backend", "auto", "--ops", "gemm", "--sizes", "8", "--budget", "0.01"], environment: env)
        XCTAssertEqual(fallback.status, 0, fallback.stderr)
        XCTAssertTrue(fallback.stderr.contains("timing cpu (auto: no OpenCL platform)"), fallback.stderr)
    }

    func testBenchJSONChecksBackends() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-bench-\(getpid()).json").path
        let outcome = try run(["bench", "--ops", "gemm", "--sizes", "33,64", "--budget", "0.01", "--json", "--out", path,
                               "--repeats", "1", "--min-repeats", "1"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
        XCTAssertFalse(rows.isEmpty)
        let backends = Set(rows.compactMap { $0["backend"] as? String })
        XCTAssertEqual(rows.count, 2 * backends.count)
        for row in rows {
            XCTAssertEqual(row["check"] as? String, backends.count > 1 ? "ok" : "unchecked", "\(row)")
        }
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(String(decoding: saved, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                       outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        try? FileManager.default.removeItem(atPath: path)
    }

    func testBadFlagsGiveOneClearLine() throws {
        let cases: [([String], [String: String], String)] = [
            (["bench", "--backend", "gpu"], [:], "--backend 'gpu'"),
            (["bench", "--ops", "nope"], [:], "--ops"),
            (["bench", "--sizes", "12,x"], [:], "--sizes"),
            (["bench", "--out", "/nonexistent-dir/x.json"], [:], "/nonexistent-dir"),
            (["bench", "--out", "/tmp/bench.txt"], [:], "--out /tmp/bench.txt: the file name must end in .json"),
            (["bench", "--ops", "training", "--sizes", "64"], [:], "--sizes sets the GEMM shapes; --ops training times no gemm"),
            (["bench"], ["FMNIST_BACKEND": "quantum"], "FMNIST_BACKEND"),
            // (bench's --device with --backend cpu names the device that checks the results; elsewhere it is an error)
            (["cluster", "--split", "test", "--limit", "50", "--out", "/tmp/x.npy", "--device", "0"], ["FMNIST_BACKEND": "cpu"],
             "--device 0 applies to the OpenCL backend, not FMNIST_BACKEND=cpu"),
            (["cluster", "--split", "test", "--limit", "50", "--out", "/tmp/x.npy", "--device", "0", "--backend", "cpu"], [:],
             "--device 0 applies to the OpenCL backend, not --backend cpu"),
        ]
        for (arguments, env, mention) in cases {
            let outcome = try run(arguments, environment: env)
            XCTAssertNotEqual(outcome.status, 0, "\(arguments) should fail")
            let firstLine = outcome.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(firstLine.contains("rror") && firstLine.contains(mention), "\(arguments): \(outcome.stderr)")
        }
    }

    func testDeviceOutOfRangeListsDevices() throws {
        let outcome = try run(["bench", "--backend", "opencl", "--device", "99", "--ops", "gemm", "--sizes", "8"])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.stderr.contains("--device 99 is out of range") || outcome.stderr.contains("no OpenCL device"), outcome.stderr)
    }

    /// A GEMM tiling forced for tuning that does not parse or fit the device is an error, never silently replaced by the
    /// default (a sweep would otherwise time the default under the forced shape's name); a good one runs.
    func testForcedGemmTilingIsChecked() throws {
        guard ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" else { throw XCTSkip("needs an OpenCL device") }
        let bench = ["bench", "--backend", "opencl", "--ops", "gemm", "--sizes", "8", "--quiet"]
        assertOneErrorLine(try run(bench, environment: ["FMNIST_GEMM_TILING": "64,64,16"]),
                           containing: "FMNIST_GEMM_TILING '64,64,16' is not M,N,K,WM,WN followed by the flags blocked or prefetch", "unparsed")
        assertOneErrorLine(try run(bench, environment: ["FMNIST_GEMM_TILING": "64,64,16,2,2,blocked"]),
                           containing: "FMNIST_GEMM_TILING '64,64,16,2,2,blocked' does not fit", "blocked with 2 per work-item")
        assertOneErrorLine(try run(bench, environment: ["FMNIST_GEMM_TILING": "64,64,16,4,4,fast"]),
                           containing: "FMNIST_GEMM_TILING '64,64,16,4,4,fast' is not M,N,K,WM,WN followed by", "unknown flag")
        let good = try run(bench, environment: ["FMNIST_GEMM_TILING": "32,32,8,4,4,blocked,prefetch"])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("gemm"), good.stdout)
    }

    /// `--profile-kernels FILE` writes where the device's time went when the command finishes: a table, or JSON
    /// for a `.json` name, with the optimiser's step among the kernels once per parameter tensor and batch. It needs
    /// the OpenCL backend (the CPU backend is refused, not silently unprofiled) and a `.txt` or `.json` name.
    func testProfileKernelsWritesTheDeviceTimes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-profile-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["train", "autoencoder", "--arch", "dense-ae", "--epochs", "1", "--limit", "300", "--val-fraction", "0",
                     "--batch", "100", "--out", "\(dir)/ae.safetensors"]
        assertOneErrorLine(try run(train + ["--backend", "cpu", "--profile-kernels", "\(dir)/p.txt"]),
                           containing: "--profile-kernels \(dir)/p.txt times OpenCL commands, but the command runs on the cpu backend",
                           "profiling the CPU backend")
        assertOneErrorLine(try run(train + ["--profile-kernels", "\(dir)/p.csv"]),
                           containing: "--profile-kernels \(dir)/p.csv: the file name must end in .txt or .json", "a .csv profile")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/ae.safetensors"), "refused before training")
        guard ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" else { throw XCTSkip("needs an OpenCL device") }

        // A command that runs nothing on the device (evaluate without --features) says the flag had nothing to time.
        let labels = "\(dir)/labels.csv"
        try (0 ..< 6).map { "\($0 % 3)" }.joined(separator: "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        let idle = try run(["evaluate", "--pred", labels, "--truth", labels, "--backend", "opencl", "--profile-kernels", "\(dir)/e.txt"])
        XCTAssertEqual(idle.status, 0, idle.stderr)
        XCTAssertTrue(idle.stderr.contains("note: --profile-kernels \(dir)/e.txt: this command ran nothing on a device"), idle.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/e.txt"))

        let json = try run(train + ["--backend", "opencl", "--profile-kernels", "\(dir)/p.json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stderr.contains("kernel profile: \(dir)/p.json ("), json.stderr)
        let profile = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/p.json")))
                                    as? [String: Any])
        let rows = try XCTUnwrap(profile["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }, profile["commands"] as? Int)
        // The dense autoencoder has 8 layers, a weight and a bias each: its 16 tensors take two Adam launches of eight
        // a batch (`adam_steps`), 3 batches, and no single-tensor step.
        let count = { (name: String) in rows.filter { $0["name"] as? String == name }.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } }
        XCTAssertEqual(count("adam_steps"), 2 * 3, "\(rows.map { $0["name"] ?? "" })")
        XCTAssertEqual(count("adam_step"), 0)
        XCTAssertGreaterThan(try XCTUnwrap(profile["busySeconds"] as? Double), 0)

        let text = try run(train + ["--backend", "opencl", "--profile-kernels", "\(dir)/p.txt", "--quiet"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stderr, "", "--quiet keeps the profile's note too")
        let table = try String(contentsOfFile: "\(dir)/p.txt", encoding: .utf8)
        XCTAssertTrue(table.contains("device busy") && table.contains("adam_steps"), table)
    }

    /// `FMNIST_BATCHES_PER_READ` changes how often training waits for the device, never the weights: the checkpoint
    /// is the same file with 1 and 3 batches per read (on OpenCL too where CI has it); a bad value is one line.
    func testBatchesPerReadChangesNoWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-per-read-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["train", "classifier", "--epochs", "1", "--limit", "400", "--batch", "64", "--val-fraction", "0", "--quiet"]
        assertOneErrorLine(try run(train + ["--out", "\(dir)/bad.safetensors"], environment: ["FMNIST_BATCHES_PER_READ": "0"]),
                           containing: "FMNIST_BATCHES_PER_READ='0' must be a whole number of batches from 1 to 1024", "zero")
        let backends = ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" ? ["cpu", "opencl"] : ["cpu"]
        for backend in backends {
            var checkpoints: [Data] = []
            for perRead in ["1", "3"] {
                let out = "\(dir)/\(backend)-\(perRead).safetensors"
                let outcome = try run(train + ["--backend", backend, "--out", out], environment: ["FMNIST_BATCHES_PER_READ": perRead])
                XCTAssertEqual(outcome.status, 0, outcome.stderr)
                checkpoints.append(try XCTUnwrap(FileManager.default.contents(atPath: out)))
            }
            XCTAssertEqual(checkpoints[0], checkpoints[1], "\(backend): 1 and 3 batches per read")
        }
    }

    /// On the GPU kernels (forced onto PoCL in CI), training writes the same checkpoint whether the convolutions run
    /// their forward steps by implicit GEMM or by im2col (`ImplicitConvolutionTests` checks the choice `automatic` times
    /// per layer); `devices --json` names the path `FMNIST_CONV_FORWARD` asks for.
    func testConvolutionForwardPathsTrainTheSameCheckpoint() throws {
        guard ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" else { throw XCTSkip("OpenCL not required") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-conv-forward-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["train", "classifier", "--epochs", "1", "--limit", "256", "--batch", "64", "--val-fraction", "0", "--backend",
                     "opencl", "--quiet"]
        var checkpoints: [Data] = []
        for path in ["im2col", "implicit"] {
            let env = ["FMNIST_KERNEL_STYLE": "gpu", "FMNIST_GEMM_TUNE": "off", "FMNIST_CONV_FORWARD": path]
            let out = "\(dir)/\(path).safetensors"
            let outcome = try run(train + ["--out", out], environment: env)
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            checkpoints.append(try XCTUnwrap(FileManager.default.contents(atPath: out)))
            let devices = try run(["devices", "--json"], environment: env)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(devices.stdout.utf8)) as? [String: Any])
            let kernels = try XCTUnwrap((json["openCLKernels"] as? [[String: Any]])?.first)
            XCTAssertEqual(kernels["convolutionForward"] as? String, path)
        }
        XCTAssertEqual(checkpoints[0], checkpoints[1], "implicit GEMM and im2col trained different weights")
    }

    /// With the GPU kernels forced onto the OpenCL device (PoCL in CI) and tuning on, K-means tunes the tiles of the
    /// products it repeats and keeps them in the cache directory; `devices` says which kernels run and counts the kept
    /// shapes; the labels are the same bytes as with tuning off (`GemmTuningTests` checks the products themselves).
    func testGemmTuningIsKeptAndShownByDevices() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-tune-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir + "/cache", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["FMNIST_KERNEL_STYLE": "gpu", "XDG_CACHE_HOME": dir + "/cache"]
        func kernels(tuning: String) throws -> [String: Any] {
            let outcome = try run(["devices", "--json"], environment: env.merging(["FMNIST_GEMM_TUNE": tuning]) { $1 })
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
            guard let first = (json["openCLKernels"] as? [[String: Any]])?.first else { throw XCTSkip("no OpenCL device") }
            return first
        }
        let before = try kernels(tuning: "on")
        XCTAssertEqual(before["family"] as? String, "gpu")
        XCTAssertEqual(before["forced"] as? Bool, true)
        XCTAssertEqual(before["gemmTuning"] as? Bool, true)
        XCTAssertEqual(before["tunedShapes"] as? Int, 0)
        XCTAssertEqual(try kernels(tuning: "off")["gemmTuning"] as? Bool, false)

        var labels: [Data] = []
        for tuning in ["on", "off"] {
            let out = "\(dir)/kmeans-\(tuning).npy"
            let outcome = try run(["cluster", "--method", "kmeans", "--split", "test", "--limit", "300", "--backend", "opencl",
                                   "--out", out, "--quiet"], environment: env.merging(["FMNIST_GEMM_TUNE": tuning]) { $1 })
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            labels.append(try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        XCTAssertEqual(labels[0], labels[1], "tuned and untuned K-means labels differ")
        XCTAssertGreaterThan(try kernels(tuning: "on")["tunedShapes"] as? Int ?? 0, 0, "K-means repeats its products: some were tuned")
        let text = try run(["devices"], environment: env.merging(["FMNIST_GEMM_TUNE": "on"]) { $1 })
        XCTAssertTrue(text.stdout.contains("gpu family (FMNIST_KERNEL_STYLE)") && text.stdout.contains("shapes kept in \(dir)/cache"),
                      text.stdout)
    }

    /// PoCL reports no device when its cache directory cannot be created; fmnist redirects it.
    func testUnwritableCacheDirectoryStillFindsDevices() throws {
        let normal = try run(["devices", "--json"])
        let count = { (text: String) -> Int in
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            return (json?["openCLDevices"] as? [Any])?.count ?? -1
        }
        let unwritable = try run(["devices", "--json"], environment: ["XDG_CACHE_HOME": "/proc/fmnist-not-writable", "HOME": "/proc/fmnist-not-writable"])
        XCTAssertEqual(unwritable.status, 0, unwritable.stderr)
        XCTAssertEqual(count(unwritable.stdout), count(normal.stdout), unwritable.stderr)
    }
}
