/** Loss and regularization workloads (issue 6): fused loss forward+backward, penalties, max-norm. */
import * as nn from '../../lib/index';
import type { Workload } from '../workload';

function scores(rows: number, cols: number, seed: number): nn.Matrix {
  const m = new nn.Rng(seed).normal(nn.matrix(rows, cols));
  for (let i = 0; i < m.data.length; i++) m.data[i]! *= 3;
  return m;
}

function labels(rows: number, cols: number): Int32Array {
  return Int32Array.from({ length: rows }, (_, i) => (i * 7919) % cols);
}

const N = 8192, C = 1000;

function labelLoss(name: string, fn: (s: nn.Matrix, y: Int32Array, grad: Float32Array) => unknown, target: string,
  peers: Workload['peers']): Workload {
  return {
    name: `${name} fwd+bwd ${N}×${C}`,
    area: 'loss',
    quick: true,
    target,
    setup() {
      const s = scores(N, C, 1), y = labels(N, C), grad = new Float32Array(N * C);
      return () => fn(s, y, grad);
    },
    peers,
  };
}

export const workloads: Workload[] = [
  labelLoss('softmax cross-entropy', (s, y, grad) => nn.loss.softmax(s, y, { grad }), '≥ 5× torch and numpy', [
    { name: 'torch', task: 'torch.cross_entropy', args: { rows: N, cols: C } },
    { name: 'numpy', task: 'numpy.softmax_cross_entropy', args: { rows: N, cols: C } },
  ]),
  labelLoss('multiclass SVM', (s, y, grad) => nn.loss.svm(s, y, { grad }), '≥ 10× torch', [
    { name: 'torch', task: 'torch.multi_margin_loss', args: { rows: N, cols: C } },
  ]),
  {
    name: `sigmoid cross-entropy fwd+bwd ${N}×${C}`,
    area: 'loss',
    quick: true,
    target: '≥ 5× torch',
    setup() {
      const s = scores(N, C, 2), grad = new Float32Array(N * C);
      const t = new nn.Rng(3).uniform(new Float32Array(N * C)).map((u) => (u < 0.5 ? 0 : 1));
      return () => nn.loss.sigmoidCrossEntropy(s, t, { grad });
    },
    peers: [{ name: 'torch', task: 'torch.bce_with_logits', args: { rows: N, cols: C } }],
  },
  {
    name: 'softmax cross-entropy 256×10 call (grad buffer given)',
    area: 'overhead',
    quick: true,
    inner: 20_000,
    repeats: 5,
    target: '≤ 3 µs per call',
    setup() {
      const s = scores(256, 10, 4), y = labels(256, 10), grad = new Float32Array(2560);
      return () => nn.loss.softmax(s, y, { grad });
    },
    peers: [{ name: 'torch', task: 'torch.softmax_small', args: { rows: 256, cols: 10 } }],
  },
  {
    name: 'softmax cross-entropy 256×10 call (new gradient)',
    area: 'overhead',
    inner: 20_000,
    repeats: 5,
    setup() {
      const s = scores(256, 10, 4), y = labels(256, 10);
      return () => nn.loss.softmax(s, y);
    },
  },
  // PyTorch has no fused penalty: the two ways a user writes it are separate workloads (the
  // runner keys peers by package), the manual in-place form and the autograd form.
  ...([['manual', 'torch.l2_penalty'], ['autograd', 'torch.l2_penalty_autograd']] as const).map(([how, task]): Workload => ({
    name: `reg.l2 penalty + gradient 4096×4096 (torch ${how})`,
    area: 'reg',
    quick: how === 'autograd',
    target: '≥ 4× torch',
    setup() {
      const w = new nn.Rng(5).normal(new Float32Array(4096 * 4096)), grad = new Float32Array(4096 * 4096);
      return () => nn.reg.l2(w, 1e-3, { grad });
    },
    peers: [{ name: 'torch', task, args: { n: 4096 } }],
  })),
  ...([['renorm_', 'torch.max_norm'], ['norm + mul_', 'torch.max_norm_manual']] as const).map(([how, task]): Workload => ({
    name: `reg.maxNorm 4096×4096, every column clipped (torch ${how})`,
    area: 'reg',
    quick: how === 'renorm_',
    target: '≥ 4× torch',
    setup() {
      const W = new nn.Rng(6).normal(nn.matrix(4096, 4096));
      let c = 3;
      // c shrinks a little every call so every column is clipped every time (the full work).
      return () => nn.reg.maxNorm(W, (c *= 0.999));
    },
    peers: [{ name: 'torch', task, args: { n: 4096 } }],
  })),
  ...[1000, 10000].map((classes): Workload => ({
    name: `hierarchical softmax (balanced tree) vs full softmax, C = ${classes}, 2048×128`,
    area: 'loss',
    target: 'O(log C · D) per sample',
    setup() {
      const n = 2048, d = 128;
      const tree = nn.LabelTree.balanced(classes);
      const H = new nn.Rng(7).normal(nn.matrix(n, d));
      const V = new nn.Rng(8).normal(nn.matrix(tree.internalNodes, d), 0, 0.1);
      const y = labels(n, classes);
      const dH = nn.matrix(n, d), dV = nn.matrix(tree.internalNodes, d);
      return () => nn.loss.hierarchicalSoftmax(H, y, tree, V, { dH, dV });
    },
    peers: [{
      // The full softmax on the same problem: scores H·W, loss and gradient, dH = G·Wᵀ, dW = Hᵀ·G.
      name: 'nnkit full softmax',
      setup() {
        const n = 2048, d = 128;
        const H = new nn.Rng(7).normal(nn.matrix(n, d));
        const W = new nn.Rng(8).normal(nn.matrix(d, classes), 0, 0.1);
        const y = labels(n, classes);
        const S = nn.matrix(n, classes), G = nn.matrix(n, classes), dH = nn.matrix(n, d), dW = nn.matrix(d, classes);
        return () => {
          nn.gemm(H, W, { out: S });
          nn.loss.softmax(S, y, { grad: G });
          nn.gemm(G, W, { transB: true, out: dH });
          nn.gemm(H, G, { transA: true, out: dW });
        };
      },
    }],
  })),
];
