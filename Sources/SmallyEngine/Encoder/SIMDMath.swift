// Vectorised fp32 math for the encoder's element-wise passes. libm's `expf`/`erff` are scalar
// calls; the FFN alone needs ~1536 erf per token per layer, so these 8-wide versions matter.

typealias Vector8 = SIMD8<Float>

@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> Vector8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector8.self)
}

@inline(__always)
func load8(_ pointer: UnsafeMutablePointer<Float>) -> Vector8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Vector8.self)
}

@inline(__always)
func store8(_ value: Vector8, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector8.self)
}

/// e^x for 8 lanes, Cephes' polynomial after reduction by ln 2; relative error ≈ 2 ulp over the
/// range used here (softmax inputs ≤ 0, erf's -x²). Inputs below -87 give 0 (no subnormals).
@inline(__always)
func exp8(_ input: Vector8) -> Vector8 {
    let x0 = input.replacing(with: -87.0, where: input .< -87.0).replacing(with: 88.0, where: input .> 88.0)
    // Round x·log2(e) to the nearest integer with the 1.5·2^23 trick: the integer lands in the
    // low mantissa bits, so no float→int conversion is needed to build 2^n.
    let magic: Float = 12_582_912.0
    let shifted = x0 * 1.442_695_040_888_963_4 + magic
    let n = shifted - magic
    var x = x0 - n * 0.693_359_375
    x = x + n * 2.121_944_40e-4
    let z = x * x
    var y = Vector8(repeating: 1.987_569_150_0e-4)
    y = y * x + 1.398_199_950_7e-3
    y = y * x + 8.333_451_907_3e-3
    y = y * x + 4.166_579_589_4e-2
    y = y * x + 1.666_666_545_9e-1
    y = y * x + 5.000_000_120_1e-1
    y = y * z + x + 1.0
    let nBits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- unsafeBitCast(Vector8(repeating: magic), to: SIMD8<UInt32>.self)
    let scale = unsafeBitCast((nBits &+ 127) &<< 23, to: Vector8.self)
    let result = y * scale
    return result.replacing(with: 0, where: input .< -87.0)
}

/// erf(x) for 8 lanes: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) for |x| ≥ 0.5, and the
/// Taylor series below 0.5, where A&S's `1 - p·e^(-x²)` would lose digits to cancellation.
@inline(__always)
func erf8(_ x: Vector8) -> Vector8 {
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let sign = bits & 0x8000_0000
    let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: Vector8.self)
    let t = 1.0 / (a * 0.327_591_1 + 1.0)
    var p = Vector8(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    p = p * t
    let far = 1.0 - p * exp8(-(a * a))
    // 2/√π · (x − x³/3 + x⁵/10 − x⁷/42 + x⁹/216 − x¹¹/1320 + x¹³/9360)
    let z = a * a
    var s = Vector8(repeating: 1.0 / 9360.0)
    s = s * z - 1.0 / 1320.0
    s = s * z + 1.0 / 216.0
    s = s * z - 1.0 / 42.0
    s = s * z + 1.0 / 10.0
    s = s * z - 1.0 / 3.0
    s = s * z + 1.0
    let near = s * a * 1.128_379_167_095_512_6
    let y = near.replacing(with: far, where: a .>= 0.5)
    return unsafeBitCast(unsafeBitCast(y, to: SIMD8<UInt32>.self) | sign, to: Vector8.self)
}

/// BERT's exact GELU: x·Φ(x) = ½x(1 + erf(x/√2)).
@inline(__always)
func gelu8(_ x: Vector8) -> Vector8 {
    0.5 * x * (1.0 + erf8(x * 0.707_106_781_186_547_5))
}

/// Scalar versions for the tails of rows whose width is not a multiple of 8.
@inline(__always)
func geluScalar(_ x: Float) -> Float {
    gelu8(Vector8(repeating: x))[0]
}

@inline(__always)
func expScalar(_ x: Float) -> Float {
    exp8(Vector8(repeating: x))[0]
}
