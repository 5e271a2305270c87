/**
 * Linear-algebra workloads of issue 3: covariance, eigh, randomized SVD (PCA's building blocks)
 * against numpy and scikit-learn, and the built-in (LAPACK-free) eigensolver against LAPACK.
 * The 50000 × 3072 matrix (600 MB, CIFAR-10-sized) is generated once and shared.
 */
import * as nn from '../../lib/index';
import type { Workload } from '../workload';

const N = 50000, D = 3072;
let big: nn.Matrix | null = null;
let bigCovariance: nn.Matrix | null = null;

/** Pixel-like data: offset 128, per-column scales decaying like an image spectrum. */
function bigMatrix(): nn.Matrix {
  if (big) return big;
  const x = new nn.Rng(1).normal(nn.matrix(N, D));
  for (let i = 0; i < N; i++) {
    const row = x.data.subarray(i * D, (i + 1) * D);
    for (let j = 0; j < D; j++) row[j] = 128 + row[j]! * (1 + 40 / (1 + j));
  }
  big = x;
  return x;
}

function covarianceOfBig(): nn.Matrix {
  bigCovariance ??= nn.covariance(bigMatrix());
  return bigCovariance;
}

function release(): void {
  big = null;
  bigCovariance = null;
}

const bigArgs = { rows: N, cols: D };

function covarianceWorkload(backend: 'blas' | 'builtin'): Workload {
  let original: 'blas' | 'builtin' = 'blas';
  return {
    name: `covariance ${N}×${D} (${backend === 'blas' ? 'OpenBLAS ssyrk' : 'built-in GEMM'})`,
    area: 'linalg',
    repeats: 3,
    flops: N * D * D, // the upper triangle of XᵀX
    target: backend === 'blas' ? '≤ numpy time (≥ 1.0×)' : '≤ 1.2× numpy time (≥ 0.83×)',
    setup() {
      if (backend === 'blas' && nn.backend().blas === 'builtin') throw new Error('this build has no BLAS');
      original = nn.backend().gemm;
      const x = bigMatrix();
      const out = nn.matrix(D, D);
      return () => {
        nn.setGemmBackend(backend);
        nn.covariance(x, { out });
      };
    },
    teardown: () => nn.setGemmBackend(original),
    peers: [{ name: 'numpy', task: 'numpy.covariance', args: bigArgs }],
  };
}

function eighWorkload(versus: string, task: string, target: string): Workload {
  return {
    name: `eigh ${D}×${D} covariance (${nn.lapackBackend() === 'lapack' ? 'LAPACK ssyevd' : 'built-in'}) vs ${versus}`,
    area: 'linalg',
    repeats: 3,
    target,
    setup() {
      const c = covarianceOfBig();
      const values = new Float32Array(D), vectors = nn.matrix(D, D);
      return () => nn.eigh(c, { values, vectors });
    },
    peers: [{ name: 'numpy', task, args: bigArgs }],
  };
}

export const workloads: Workload[] = [
  covarianceWorkload('blas'),
  covarianceWorkload('builtin'),
  eighWorkload('numpy eigh', 'numpy.eigh_covariance', '≤ numpy eigh time (≥ 1.0×)'),
  eighWorkload('numpy svd(cov), the notes\' call', 'numpy.svd_covariance', '≤ 0.4× numpy svd(cov) time (≥ 2.5×)'),
  {
    name: `randomizedSvd top-100 of ${N}×${D} (oversample 10, powerIters 2)`,
    area: 'linalg',
    repeats: 3,
    target: '≥ 4× sklearn PCA(100, randomized).fit',
    setup() {
      const x = bigMatrix();
      return () => nn.randomizedSvd(x, 100, { seed: 1 });
    },
    peers: [{ name: 'sklearn', task: 'sklearn.pca_randomized', args: { ...bigArgs, components: 100 } }],
  },
  {
    name: `randomizedSvd top-100 of ${N}×${D} (oversample 10, powerIters 1)`,
    area: 'linalg',
    repeats: 3,
    target: '≥ 4× sklearn PCA(100, randomized).fit',
    setup() {
      const x = bigMatrix();
      return () => nn.randomizedSvd(x, 100, { seed: 1, powerIters: 1 });
    },
    teardown: release,
    peers: [{ name: 'sklearn', task: 'sklearn.pca_randomized', args: { ...bigArgs, components: 100 } }],
  },
  (() => {
    let original: 'lapack' | 'builtin' = 'builtin';
    let c: nn.Matrix | null = null;
    const values = new Float32Array(784), vectors = nn.matrix(784, 784);
    return {
      name: 'eigh 784×784 covariance (built-in, no LAPACK)',
      area: 'linalg',
      quick: true,
      target: '≤ 3× LAPACK time (≥ 0.33× nnkit LAPACK)',
      setup() {
        original = nn.lapackBackend();
        c = nn.covariance(new nn.Rng(3).normal(nn.matrix(2000, 784)));
        const a = c;
        return () => {
          nn.setLapackBackend('builtin');
          nn.eigh(a, { values, vectors });
        };
      },
      teardown: () => nn.setLapackBackend(original),
      peers: [
        {
          name: 'nnkit LAPACK',
          setup() {
            if (nn.lapackBackend() !== 'lapack' && original !== 'lapack') throw new Error('this build has no LAPACKE');
            return () => {
              nn.setLapackBackend('lapack');
              nn.eigh(c!, { values, vectors });
            };
          },
        },
        { name: 'numpy', task: 'numpy.eigh_random_covariance', args: { rows: 2000, cols: 784 } },
      ],
    } satisfies Workload;
  })(),
  {
    name: 'covariance 10000×784 (Fashion-MNIST-sized)',
    area: 'linalg',
    quick: true,
    flops: 10000 * 784 * 784,
    setup() {
      const x = new nn.Rng(4).uniform(nn.matrix(10000, 784), 0, 255);
      const out = nn.matrix(784, 784);
      return () => nn.covariance(x, { out });
    },
    peers: [{ name: 'numpy', task: 'numpy.covariance', args: { rows: 10000, cols: 784 } }],
  },
];
