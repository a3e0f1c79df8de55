import Backend
import XCTest

/// When the command-line tool replaces OpenBLAS's kernel choice: only after a fallback to the
/// generic Prescott kernels, never over the user's `OPENBLAS_CORETYPE`, at most once.
final class BLASCoreChoiceTests: XCTestCase {
    func testReplacementOnlyAfterTheGenericFallback() {
        func choice(_ core: String, _ env: [String: String] = [:], avx512: Bool = true, avx2: Bool = true) -> String? {
            BLASCoreChoice.replacement(loadedCore: core, environment: env, avx512: avx512, avx2FMA: avx2)
        }
        XCTAssertEqual(choice("Prescott"), "SkylakeX")
        XCTAssertEqual(choice("PRESCOTT", avx512: false), "Haswell")
        XCTAssertNil(choice("Prescott", avx512: false, avx2: false), "no better kernels for an SSE-only CPU")
        XCTAssertNil(choice("Prescott", ["OPENBLAS_CORETYPE": "Prescott"]), "the user's choice stands")
        XCTAssertNil(choice("Prescott", [BLASCoreChoice.restartMarker: "Prescott"]), "one restart at most")
        for core in ["Haswell", "SkylakeX", "Cooperlake", "Zen"] { XCTAssertNil(choice(core), core) }
    }

    /// Whatever OpenBLAS loaded in this test process, the choice for it follows the rule above.
    func testThisProcess() {
        let env = ProcessInfo.processInfo.environment
        if env["OPENBLAS_CORETYPE"] != nil || CPUBackend.blasCoreName.lowercased() != "prescott" {
            XCTAssertNil(BLASCoreChoice.replacementForThisProcess)
        }
    }
}
