import Backend
import XCTest

/// Maps, binary combinations, axpy, scale and activation gradients on every backend (NMSE <= 1e-10).
final class ElementwiseParityTests: XCTestCase {
    let sizes = [1, 7, 33, 257, 100_003]

    func testUnaryFunctions() throws {
        for backend in availableBackends() { try unary(backend) }
    }

    private func unary<B: ComputeBackend>(_ backend: B) throws {
        for n in sizes {
            for f in UnaryFunction.allCases {
                let positive = f == .log || f == .sqrt
                let x = randomFloats(n, in: positive ? 0.01 ... 10 : -8 ... 8, seed: UInt64(n) &+ UInt64(f.rawValue))
                let out = try backend.makeBuffer(count: n)
                try backend.map(f, try backend.makeBuffer(x), into: out, count: n)
                let expected = x.map { Reference.unary("\(f)", Double($0)) }
                assertClose(try backend.floats(out), expected, tolerance: 1e-10, "\(backend.name) \(f) n=\(n)")
            }
        }
    }

    /// Sigmoid stays finite and exact at extreme inputs; in place works.
    func testSigmoidExtremesInPlace() throws {
        for backend in availableBackends() { try sigmoidExtremes(backend) }
    }

    private func sigmoidExtremes<B: ComputeBackend>(_ backend: B) throws {
        let x: [Float] = [-1000, -100, -20, 0, 20, 100, 1000]
        let buffer = try backend.makeBuffer(x)
        try backend.map(.sigmoid, buffer, into: buffer, count: x.count)
        let got = try backend.floats(buffer)
        XCTAssertTrue(got.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 }, "\(backend.name) sigmoid: \(got)")
        XCTAssertEqual(got[3], 0.5)
        XCTAssertEqual(got[6], 1)
        XCTAssertEqual(got[0], 0)
    }

    func testBinaryFunctions() throws {
        for backend in availableBackends() { try binary(backend) }
    }

    private func binary<B: ComputeBackend>(_ backend: B) throws {
        for n in sizes {
            let a = randomFloats(n, seed: UInt64(n) + 1), b = randomFloats(n, in: 0.5 ... 2, seed: UInt64(n) + 2)
            let (da, db) = (try backend.makeBuffer(a), try backend.makeBuffer(b))
            for f in BinaryFunction.allCases {
                let out = try backend.makeBuffer(count: n)
                try backend.combine(f, da, db, into: out, count: n)
                let expected: [Double] = zip(a, b).map { u, v in
                    let (x, y) = (Double(u), Double(v))
                    switch f {
                    case .add: return x + y
                    case .subtract: return x - y
                    case .multiply: return x * y
                    case .divide: return x / y
                    case .maximum: return max(x, y)
                    case .minimum: return min(x, y)
                    }
                }
                assertClose(try backend.floats(out), expected, tolerance: 1e-10, "\(backend.name) \(f) n=\(n)")
            }
        }
    }

    func testScaleAndAxpy() throws {
        for backend in availableBackends() { try scaleAxpy(backend) }
    }

    private func scaleAxpy<B: ComputeBackend>(_ backend: B) throws {
        for n in sizes {
            let x = randomFloats(n, seed: UInt64(n) + 5), y = randomFloats(n, seed: UInt64(n) + 6)
            let (dx, dy) = (try backend.makeBuffer(x), try backend.makeBuffer(y))
            try backend.axpy(alpha: -1.5, x: dx, y: dy, count: n)
            assertClose(try backend.floats(dy), zip(x, y).map { -1.5 * Double($0) + Double($1) }, tolerance: 1e-10,
                        "\(backend.name) axpy n=\(n)")
            try backend.scale(dx, by: 0.25, into: dx, count: n)
            assertClose(try backend.floats(dx), x.map { 0.25 * Double($0) }, tolerance: 1e-10, "\(backend.name) scale n=\(n)")
        }
    }

    func testActivationGradients() throws {
        for backend in availableBackends() { try activationGradients(backend) }
    }

    private func activationGradients<B: ComputeBackend>(_ backend: B) throws {
        for n in sizes {
            for f in Activation.allCases {
                // Outputs in the activation's range: relu [0, ..), sigmoid (0, 1), tanh (-1, 1).
                let range: ClosedRange<Float> = f == .relu ? -1 ... 3 : (f == .sigmoid ? 0.001 ... 0.999 : -0.999 ... 0.999)
                var y = randomFloats(n, in: range, seed: UInt64(n) + UInt64(f.rawValue) * 17)
                if f == .relu { y = y.map { max($0, 0) } }
                let dy = randomFloats(n, seed: UInt64(n) + 99)
                let out = try backend.makeBuffer(count: n)
                try backend.activationGradient(f, output: try backend.makeBuffer(y), gradient: try backend.makeBuffer(dy), into: out, count: n)
                let expected: [Double] = zip(y, dy).map { v, g in
                    let (o, d) = (Double(v), Double(g))
                    switch f {
                    case .relu: return o > 0 ? d : 0
                    case .sigmoid: return d * o * (1 - o)
                    case .tanh: return d * (1 - o * o)
                    }
                }
                assertClose(try backend.floats(out), expected, tolerance: 1e-10, "\(backend.name) \(f) gradient n=\(n)")
            }
        }
    }
}
