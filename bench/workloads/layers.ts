/**
 * Issue 5 workloads: He initialization, batch normalization and dropout, against PyTorch, plus
 * the copy they are bounded by (bytes moved ÷ the copy's bandwidth in the same run).
 */
import * as nn from '../../lib/index';
import type { Workload } from '../workload';

const N = 8192;
const D = 1024;

export const workloads: Workload[] = [
  {
    name: 'init.he 4096×4096 (normal)',
    area: 'init',
    quick: true,
    target: '≥ 4× torch.nn.init.kaiming_normal_; bound: 64 MiB written',
    setup() {
      const rng = new nn.Rng(5), out = nn.matrix(4096, 4096);
      return () => nn.init.he(4096, 4096, { rng, out });
    },
    peers: [{ name: 'torch', task: 'torch.kaiming_normal_', args: { rows: 4096, cols: 4096 } }],
  },
  {
    name: `BatchNorm train forward+backward ${N}×${D}`,
    area: 'layers',
    quick: true,
    target: '≥ 2× torch BatchNorm1d; bound: 5 × 32 MiB moved',
    setup() {
      const rng = new nn.Rng(6);
      const X = rng.normal(nn.matrix(N, D)), dY = rng.normal(nn.matrix(N, D));
      const out = nn.matrix(N, D), dX = nn.matrix(N, D), dGamma = new Float32Array(D), dBeta = new Float32Array(D);
      const bn = new nn.BatchNorm(D);
      return () => {
        bn.forward(X, { training: true, out });
        bn.backward(dY, { dX, dGamma, dBeta });
      };
    },
    peers: [{ name: 'torch', task: 'torch.batchnorm1d_train', args: { rows: N, cols: D } }],
  },
  {
    name: `inverted dropout forward+backward ${N}×${D}`,
    area: 'layers',
    quick: true,
    target: '≥ 10× torch F.dropout; bound: 4 × 32 MiB + 2 × 1 MiB mask moved',
    setup() {
      const rng = new nn.Rng(7);
      const X = rng.normal(nn.matrix(N, D)), dY = rng.normal(nn.matrix(N, D));
      const out = nn.matrix(N, D), dX = nn.matrix(N, D), maskBits = new Uint32Array((N * D) / 32);
      return () => {
        const { mask } = nn.dropout.forward(X, { keepProb: 0.5, rng, out, maskBits });
        nn.dropout.backward(dY, mask, { out: dX });
      };
    },
    peers: [{ name: 'torch', task: 'torch.dropout_train', args: { rows: N, cols: D, keep_prob: 0.5 } }],
  },
  {
    name: `copy ${N}×${D} on nnkit's threads (bandwidth for the bounds above)`,
    area: 'memory',
    quick: true,
    setup() {
      // Dropout in evaluation mode is x · 1 on nnkit's threads: a parallel streaming copy.
      const X = new nn.Rng(8).normal(nn.matrix(N, D)), out = nn.matrix(N, D);
      return () => nn.dropout.forward(X, { training: false, out });
    },
  },
];
