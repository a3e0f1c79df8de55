import Foundation

/// The running build of fmnist: a 16-hex-digit FNV-1a hash (over 64-bit words) of the executable's
/// bytes. Every root key of the study's cache carries it, so artefacts that another build computed
/// — before an algorithm was fixed or a default changed — are recomputed, never reused. Reading
/// fails only without `/proc` and an executable path; then the keys carry "unknown" and a rebuilt
/// binary would reuse the cache, as before.
public enum BuildIdentity {
    public static let current: String = {
        let candidates = ["/proc/self/exe", Bundle.main.executablePath, CommandLine.arguments.first].compactMap { $0 }
        guard let data = candidates.lazy.compactMap({ FileManager.default.contents(atPath: $0) }).first else { return "unknown" }
        return hash(data)
    }()

    static func hash(_ data: Data) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let words = raw.count / 8
            for i in 0 ..< words { h = (h ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3 }
            for i in words * 8 ..< raw.count { h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3 }
        }
        return String(h, radix: 16).leftPadded(to: 16)
    }
}
