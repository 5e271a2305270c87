"""Fits and checks the polynomial of nnkit's float32 exponential (native/kernels/loss_math.h).

e^x = 2^n · e^r with n = round(x·log2 e) and r = x − n·ln 2 (two-constant Cody–Waite), |r| <= ln2/2,
and e^r ≈ 1 + r + r²·P(r). P of degree 4 is fitted by iteratively reweighted least squares for
minimal relative error, then both it and Cephes' degree-5 P are evaluated exactly as the kernels
do (float32, fused multiply-adds) against float64 exp over [-87, 0].

Run: /usr/bin/python3 bench/experiments/exp_polynomial.py
"""
import numpy as np

f32 = np.float32
LN2_HI, LN2_LO = f32(0.693359375), f32(-2.12194440e-4)
LOG2E, MAGIC = f32(1.44269504088896341), f32(12582912.0)
CEPHES = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]


def fma(a, b, c):  # float32 inputs: the product is exact in float64, then one rounding to float32
    return (np.float64(a) * np.float64(b) + np.float64(c)).astype(f32)


def exp_neg(x, coeffs):
    xc = np.maximum(x.astype(f32), f32(-87))
    t = fma(xc, LOG2E, MAGIC)
    n = (t - MAGIC).astype(f32)
    r = fma(n, -LN2_HI, xc)
    r = fma(n, -LN2_LO, r)
    p = np.full_like(r, f32(coeffs[0]))
    for c in coeffs[1:]:
        p = fma(p, r, f32(c))
    y = (fma(p, (r * r).astype(f32), r) + f32(1)).astype(f32)
    return (np.float64(y) * np.exp2(np.float64(n))).astype(f32)


def fit(degree, rounds=30):
    h = np.log(2) / 2
    r = np.cos(np.linspace(0, np.pi, 4000)) * h
    g = np.expm1(r) - r
    w = np.ones_like(r)
    a = np.vstack([r ** (k + 2) for k in range(degree + 1)]).T
    for _ in range(rounds):
        weight = w / np.exp(r)
        c, *_ = np.linalg.lstsq(a * weight[:, None], g * weight, rcond=None)
        err = np.abs(a @ c - g) / np.exp(r)
        w = w * np.sqrt(err / err.max()) + 1e-12
        w /= w.max()
    return [float(f32(v)) for v in c[::-1]]


def main():
    rng = np.random.default_rng(20261127)
    x = np.concatenate([-rng.random(2_000_000) * 87, -rng.random(1_000_000) * 5, -rng.random(100_000) * 1e-3]).astype(f32)
    ref = np.exp(np.float64(x))
    degree4 = fit(4)
    print("degree-4 P:", ", ".join("%.9e" % v for v in degree4))
    for name, coeffs in (("Cephes degree 5", CEPHES), ("fitted degree 4", degree4)):
        rel = np.abs(np.float64(exp_neg(x, coeffs)) - ref) / ref
        print("%-16s max relative error %.3g = %.2f ulp" % (name, rel.max(), rel.max() / 2**-24))


if __name__ == "__main__":
    main()
