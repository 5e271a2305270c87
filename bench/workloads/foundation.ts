/** Foundation workloads: GEMM (OpenBLAS and built-in), the Rng, calling overhead, copy bandwidth. */
import * as nn from '../../lib/index';
import { tfjsWasm } from '../peers/tfjs';
import type { NodePeer, Workload } from '../workload';

/** TensorFlow.js (wasm backend) doing the same product; dataSync() forces the computation. */
function tfjsMatMul(n: number): NodePeer {
  return {
    name: 'tfjs-wasm',
    async setup() {
      const tf = await tfjsWasm();
      const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
      return () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      };
    },
  };
}

function randomMatrix(rows: number, cols: number, seed: number): nn.Matrix {
  return new nn.Rng(seed).normal(nn.matrix(rows, cols));
}

/**
 * sgemm n³ on nnkit's default GEMM (what a user gets: BLAS, or the built-in kernels when the
 * BLAS core is below the CPU; see backend().gemmReason), or forced to one backend.
 */
function sgemm(n: number, backend: 'default' | 'blas' | 'builtin', quick: boolean): Workload {
  let original: 'blas' | 'builtin' = 'blas';
  const b = nn.backend();
  const label =
    backend === 'default' ? `default: ${b.gemm === 'blas' ? `${b.blas} ${b.blasCore}` : `built-in ${b.simd}`}`
      : backend === 'blas' ? `${b.blas} ${b.blasCore}` : `built-in ${b.simd}`;
  return {
    name: `sgemm ${n}³ (${label})`,
    area: 'linalg',
    quick,
    flops: 2 * n ** 3,
    target: backend === 'default' ? '≥ 0.95× numpy GFLOPS' : backend === 'builtin' ? '≥ 0.90× numpy GFLOPS' : 'report',
    setup() {
      original = nn.backend().gemm;
      if (backend === 'blas' && nn.backend().blas === 'builtin') throw new Error('this build has no BLAS');
      if (backend !== 'default') nn.setGemmBackend(backend);
      const a = randomMatrix(n, n, 1), b = randomMatrix(n, n, 2), out = nn.matrix(n, n);
      return () => nn.gemm(a, b, { out });
    },
    teardown: () => nn.setGemmBackend(original),
    peers: [
      { name: 'numpy', task: 'numpy.sgemm', args: { m: n, n, k: n } },
      { name: 'torch', task: 'torch.sgemm', args: { m: n, n, k: n } },
      ...(n <= 1024 ? [tfjsMatMul(n)] : []),
    ],
  };
}

const hasBlas = nn.backend().blas !== 'builtin';

export const workloads: Workload[] = [
  sgemm(1024, 'default', true),
  sgemm(2048, 'default', false),
  ...(hasBlas ? [sgemm(1024, 'blas', false), sgemm(2048, 'blas', false)] : []),
  sgemm(1024, 'builtin', false),
  sgemm(2048, 'builtin', false),
  {
    name: 'gemm 4×4 call (out given)',
    area: 'overhead',
    quick: true,
    inner: 200_000,
    repeats: 5,
    target: '≤ 2 µs per call',
    setup() {
      const a = randomMatrix(4, 4, 3), b = randomMatrix(4, 4, 4), out = nn.matrix(4, 4);
      return () => nn.gemm(a, b, { out });
    },
    peers: [{ name: 'numpy', task: 'numpy.sgemm', args: { m: 4, n: 4, k: 4 } }],
  },
  {
    name: 'Rng normal fill 4096×4096',
    area: 'rng',
    quick: true,
    target: '≥ 4× torch.nn.init.normal_',
    setup() {
      const rng = new nn.Rng(42), out = new Float32Array(4096 * 4096);
      return () => rng.normal(out);
    },
    peers: [
      { name: 'torch', task: 'torch.normal_', args: { rows: 4096, cols: 4096 } },
      { name: 'numpy', task: 'numpy.normal', args: { rows: 4096, cols: 4096 } },
      {
        name: 'tfjs-wasm',
        async setup() {
          const tf = await tfjsWasm();
          return () => {
            const t = tf.randomNormal([4096, 4096]);
            t.dataSync();
            t.dispose();
          };
        },
      },
    ],
  },
  {
    name: 'copy 8192×1024 float32 (bandwidth baseline)',
    area: 'memory',
    quick: true,
    setup() {
      const src = new Float32Array(8192 * 1024).fill(1), dst = new Float32Array(8192 * 1024);
      return () => dst.set(src);
    },
  },
];
