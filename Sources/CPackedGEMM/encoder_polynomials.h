// The polynomials of the encoder's exp and erf, written once for the reference (floats) and the
// vector kernels (generic vectors): the same expressions work on both, so every kernel evaluates the
// same coefficients in the same order (Horner form).
#ifndef SMALLY_ENCODER_POLYNOMIALS_H
#define SMALLY_ENCODER_POLYNOMIALS_H

// e^x = 2^n · e^r with n = round(x·log2 e) and r = x − n·ln 2 (ln 2 in two parts, so r stays exact).
// n is rounded with the 1.5·2^23 trick: adding it leaves the integer in the low mantissa bits, so
// 2^n is built from those bits without a float→int conversion.
#define SMALLY_EXP_MAGIC 12582912.0f
#define SMALLY_LOG2E 1.44269504088896341f
#define SMALLY_LN2_HIGH 0.693359375f
#define SMALLY_LN2_LOW 2.12194440e-4f
#define SMALLY_EXP_LOWEST -87.0f  // below: 0 (no subnormals)
#define SMALLY_EXP_HIGHEST 88.0f

// e^r for the reduced r (|r| ≤ ln2/2), Cephes' polynomial: relative error ≈ 2 ulp.
#define SMALLY_EXP_REDUCED(r)                                                                      \
    ((((((1.9875691500e-4f * (r) + 1.3981999507e-3f) * (r) + 8.3334519073e-3f) * (r) +            \
        4.1665795894e-2f) * (r) + 1.6666665459e-1f) * (r) + 5.0000001201e-1f) * ((r) * (r)) + (r) + 1.0f)

// erf(a) for a ≥ 0.5: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) is 1 − t·P(t)·e^(−a²) with
// t = 1 / (1 + 0.3275911·a); this is t·P(t).
#define SMALLY_ERF_T(a) (1.0f / ((a) * 0.3275911f + 1.0f))
#define SMALLY_ERF_FAR(t)                                                                          \
    (((((1.061405429f * (t) - 1.453152027f) * (t) + 1.421413741f) * (t) - 0.284496736f) * (t) +   \
      0.254829592f) * (t))

// erf(a) for a < 0.5, where A&S's 1 − … would lose digits to cancellation: the Taylor series
// 2/√π · (a − a³/3 + a⁵/10 − a⁷/42 + a⁹/216 − a¹¹/1320 + a¹³/9360), with z = a².
#define SMALLY_ERF_NEAR(a, z)                                                                      \
    (((((((1.0f / 9360.0f * (z) - 1.0f / 1320.0f) * (z) + 1.0f / 216.0f) * (z) - 1.0f / 42.0f) *  \
         (z) + 1.0f / 10.0f) * (z) - 1.0f / 3.0f) * (z) + 1.0f) * (a) * 1.12837916709551257f)

#define SMALLY_FRAC_1_SQRT2 0.70710678118654752f  // GELU: x·Φ(x) = ½x(1 + erf(x/√2))
#endif
