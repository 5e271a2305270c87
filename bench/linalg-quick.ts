/**
 * Quick timings of the linear-algebra targets of issue 3 until the benchmark framework lands:
 *   flock /tmp/nnkit-cpu.lock npx tsx bench/linalg-quick.ts [what...]
 * what ∈ covariance, eigh, rsvd, eigh784 (default: all). Prints the median of `reps` runs.
 */
import * as nn from '../lib/index';

const reps = Number(process.env.REPS ?? 3);
const which = process.argv.slice(2);
const want = (name: string) => which.length === 0 || which.includes(name);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(label: string, fn: () => void, n = reps): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const m = median(ts);
  console.log(`${label.padEnd(48)} median ${m.toFixed(3)} s  (${ts.map((t) => t.toFixed(3)).join(', ')})`);
  return m;
}

console.log(JSON.stringify(nn.backend()));
const rng = new nn.Rng(1);

if (want('covariance') || want('rsvd') || want('eigh')) {
  const N = 50000, D = 3072;
  // Pixel-like data: a +128 offset and a decaying spectrum so that PCA has something to find.
  const X = nn.matrix(N, D);
  rng.normal(X.data, 0, 1);
  for (let i = 0; i < N; i++) {
    const row = X.data.subarray(i * D, (i + 1) * D);
    for (let j = 0; j < D; j++) row[j] = 128 + row[j]! * (1 + 40 / (1 + j));
  }
  const cov = nn.matrix(D, D);
  if (want('covariance')) {
    time('covariance 50000x3072 (blas ssyrk)', () => nn.covariance(X, { out: cov }));
    nn.setGemmBackend('builtin');
    time('covariance 50000x3072 (builtin gemm)', () => nn.covariance(X, { out: cov }));
    nn.setGemmBackend('blas');
  }
  if (want('eigh')) {
    nn.covariance(X, { out: cov });
    time('eigh 3072 (lapack ssyevd)', () => nn.eigh(cov));
  }
  if (want('rsvd')) {
    time('randomizedSvd k=100 50000x3072 (lapack)', () => nn.randomizedSvd(X, 100, { seed: 1 }));
    nn.setLapackBackend('builtin');
    time('randomizedSvd k=100 50000x3072 (builtin qr/svd)', () => nn.randomizedSvd(X, 100, { seed: 1 }));
    nn.setLapackBackend('lapack');
  }
}

if (want('eigh784')) {
  const x = nn.matrix(2000, 784);
  rng.normal(x.data);
  const c = nn.covariance(x);
  time('eigh 784 (lapack)', () => nn.eigh(c), 5);
  nn.setLapackBackend('builtin');
  time('eigh 784 (builtin)', () => nn.eigh(c), 5);
  nn.setLapackBackend('lapack');
}
