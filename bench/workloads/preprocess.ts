/** Preprocessing workloads: the notes' standardization and PCA/whitening pipelines on CIFAR- and Fashion-MNIST-shaped data. */
import * as nn from '../../lib/index';
import type { Workload } from '../workload';

/** Pixel-like data, uniform in [0, 255) (a large offset, as raw images). */
function pixels(rows: number, cols: number, seed = 1): nn.Matrix {
  return new nn.Rng(seed).uniform(nn.matrix(rows, cols), 0, 255);
}

function standardize(rows: number, cols: number, quick: boolean): Workload {
  return {
    name: `Standardizer fit + in-place transform ${rows}×${cols}`,
    area: 'preprocess',
    quick,
    repeats: quick ? 5 : 5,
    target: rows === 50000 ? '≥ 3× numpy (~1.06 s), no N×D temporary' : undefined,
    setup() {
      const X = pixels(rows, cols);
      return () => new nn.Standardizer().fit(X).transform(X, { inPlace: true });
    },
    peers: [{ name: 'numpy', task: 'numpy.standardize', args: { rows, cols } }],
  };
}

export const workloads: Workload[] = [
  standardize(10000, 3072, true),
  standardize(50000, 3072, false),
];
