/**
 * Issue 17 workloads: the fused optimizer steps (SGD with momentum, Adam, AdamW, RMSProp) on a
 * 4096×4096 parameter, against the same step of torch.optim (PyTorch's default single-tensor
 * implementation on CPU). Each step reads and writes every state buffer once: Adam moves
 * 7 × 64 MiB (w, g, m, v read; w, m, v written), RMSProp 5 × 64 MiB, SGD 5 × 64 MiB.
 */
import * as nn from '../../lib/index';
import type { Workload } from '../workload';

const R = 4096;
const C = 4096;

function parameter(seed: number) {
  const rng = new nn.Rng(seed);
  return { w: rng.normal(nn.matrix(R, C), 0, 0.05), g: rng.normal(nn.matrix(R, C), 0, 1e-3) };
}

export const workloads: Workload[] = [
  {
    name: `optim.adamStep ${R}×${C}`,
    area: 'optim',
    quick: true,
    target: '≥ 5× torch.optim.Adam; bound: 7 × 64 MiB moved',
    setup() {
      const { w, g } = parameter(21), state = nn.optim.adamState(w);
      return () => nn.optim.adamStep(w, g, state, { lr: 1e-3 });
    },
    peers: [{ name: 'torch', task: 'torch.optim_step', args: { rows: R, cols: C, optimizer: 'Adam', options: {} } }],
  },
  {
    name: `optim.adamwStep ${R}×${C}`,
    area: 'optim',
    target: '≥ 5× torch.optim.AdamW; bound: 7 × 64 MiB moved',
    setup() {
      const { w, g } = parameter(22), state = nn.optim.adamState(w);
      return () => nn.optim.adamwStep(w, g, state, { lr: 1e-3 });
    },
    peers: [{ name: 'torch', task: 'torch.optim_step', args: { rows: R, cols: C, optimizer: 'AdamW', options: {} } }],
  },
  {
    name: `optim.rmspropStep ${R}×${C}`,
    area: 'optim',
    quick: true,
    target: '≥ 5× torch.optim.RMSprop; bound: 5 × 64 MiB moved',
    setup() {
      const { w, g } = parameter(23), state = nn.optim.rmspropState(w);
      return () => nn.optim.rmspropStep(w, g, state, { lr: 1e-4 });
    },
    peers: [{ name: 'torch', task: 'torch.optim_step', args: { rows: R, cols: C, optimizer: 'RMSprop', options: {} } }],
  },
  {
    name: `optim.sgdStep (momentum) ${R}×${C}`,
    area: 'optim',
    target: 'bound: 5 × 64 MiB moved',
    setup() {
      const { w, g } = parameter(24), v = nn.matrix(R, C);
      return () => nn.optim.sgdStep(w, g, v, { lr: 1e-3, momentum: 0.9 });
    },
    peers: [{ name: 'torch', task: 'torch.optim_step', args: { rows: R, cols: C, optimizer: 'SGD', options: { momentum: 0.9 } } }],
  },
];
