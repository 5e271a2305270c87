/**
 * A first look at nnkit: what it runs on, a matrix product checked by hand, a seeded random
 * fill, and the speed of a large product. Run with `npm run demo`.
 */
import * as nn from '../lib/index';

const backend = nn.backend();
console.log(`nnkit ${backend.version}: BLAS ${backend.blas}, SIMD ${backend.simd}, ${backend.threads} threads`);

// A 2×3 times a 3×2, small enough to check by hand.
const A = nn.matrix(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3);
const B = nn.matrix(new Float32Array([7, 8, 9, 10, 11, 12]), 3, 2);
const C = nn.gemm(A, B);
console.log(`[1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [${C.data.slice(0, 2).join(' ')}; ${C.data.slice(2).join(' ')}]  (expect [58 64; 139 154])`);

// The same seed gives the same numbers on every machine, thread count and SIMD path.
const W = new nn.Rng(42).normal(nn.matrix(3, 4), 0, Math.sqrt(2 / 3));
console.log(`He-scaled normal 3×4 from seed 42: ${Array.from(W.data.slice(0, 4), (v) => v.toFixed(4)).join(' ')} …`);

// A large product, timed.
const n = 1024;
const rng = new nn.Rng(1);
const X = rng.normal(nn.matrix(n, n)), Y = rng.normal(nn.matrix(n, n)), Z = nn.matrix(n, n);
nn.gemm(X, Y, { out: Z });
const runs = 5;
const start = process.hrtime.bigint();
for (let i = 0; i < runs; i++) nn.gemm(X, Y, { out: Z });
const seconds = Number(process.hrtime.bigint() - start) / 1e9 / runs;
console.log(`sgemm ${n}×${n}×${n}: ${(seconds * 1e3).toFixed(1)} ms, ${((2 * n ** 3) / seconds / 1e9).toFixed(1)} GFLOPS`);
