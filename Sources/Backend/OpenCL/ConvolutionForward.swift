import Foundation

/// How the OpenCL backend runs a convolution's forward step (`OpenCLBackend.conv2dForward`).
///
/// - `im2col`: the generic path — `im2col` writes the patch matrix, `gemm` multiplies it, `swap_leading_axes` reorders
///   the product to NCHW, `add_bias` adds the bias: four launches, the patch matrix and the product written and read
///   back once each.
/// - `implicit`: one launch of `gemm_conv_forward`, the implicit GEMM of cuDNN and CUTLASS (Chetlur et al. 2014,
///   "cuDNN: efficient primitives for deep learning", section 3.1): the tiled GEMM whose B tiles are gathered from the
///   input images as they are loaded and whose outputs go straight to their NCHW places with the bias. It needs
///   neither the patch matrix nor the product in memory; its B loads compute addresses instead.
/// - `automatic` (default): `implicit` or `im2col` per layer geometry, whichever runs faster on the device, where the
///   backend tunes its GEMM tiles (`GemmTuning`: GPUs); `im2col` elsewhere. The choice is timed once, like a tile
///   (`GemmTuner`), against the three launches that follow `im2col` — a training step's weight gradient reuses the
///   patch matrix the `im2col` path built, so that path's `im2col` is not counted against it — and kept with the tiles.
///
/// The same bits every way where products run the tiled kernels (the GPU family): both paths add each output's
/// terms in the same order (`GemmKernels`), and a product the `im2col` path would cut along K (split-K, another order)
/// always runs that path. (`implicit` forced onto a CPU driver's vector kernels rounds as the two families
/// differ.) `FMNIST_CONV_FORWARD=automatic|
/// implicit|im2col` sets the choice, e.g. to time one path beside the other.
public enum ConvolutionForward: String, CaseIterable, Sendable {
    case automatic, implicit, im2col

    /// The environment variable that sets the choice.
    public static let variable = "FMNIST_CONV_FORWARD"

    /// The choice, read once per process; an unusable value counts as unset here (`checkEnvironment` turns it into an
    /// error first in the command-line tool).
    public static let current: ConvolutionForward = (try? EnvironmentChoice.read(variable)) ?? .automatic

    /// Throws one line naming `FMNIST_CONV_FORWARD` and its value when it is set to something else.
    public static func checkEnvironment() throws { _ = try EnvironmentChoice.read(variable, as: ConvolutionForward.self) }
}

/// What the tuner keeps for one convolution geometry: the generic path, or the implicit GEMM with a tile.
enum ConvolutionForwardChoice: Equatable {
    case im2col
    case implicit(GemmTiling)

    /// `im2col`, or the tile's `parseable` form: what `init(parsing:)` reads.
    var parseable: String {
        switch self {
        case .im2col: return "im2col"
        case .implicit(let tiling): return tiling.parseable
        }
    }

    init?(parsing text: String) {
        if text == "im2col" { self = .im2col; return }
        guard let tiling = GemmTiling(parsing: text) else { return nil }
        self = .implicit(tiling)
    }
}
