import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaults, train } from '../../examples/train';
import * as nn from '../../lib/index';

const root = path.join(__dirname, '..', '..');
const demo = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'examples', 'train.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('examples/train.ts (the main example)', () => {
  it('learns the spiral with the notes recipe, reproducibly', () => {
    const o = { ...defaults.spiral, data: 'spiral' as const, progress: false, log: () => {} };
    const a = train(o);
    expect(a.trainAccuracy).toBeGreaterThanOrEqual(0.98);
    expect(a.testAccuracy).toBeGreaterThan(0.9);
    const b = train(o);
    expect(b.testAccuracy).toBe(a.testAccuracy); // same seed, same accuracy to the last digit
    expect(b.finalLoss).toBe(a.finalLoss);
  });

  it('does not learn from all-zero weights (the symmetry pitfall)', () => {
    const r = train({ ...defaults.spiral, data: 'spiral', epochs: 10, init: 'zeros', progress: false, log: () => {} });
    expect(r.trainAccuracy).toBeLessThan(0.5);
  });

  it('He initialization trains a deep net without BatchNorm where 0.01·randn does not (the notes\' point)', () => {
    const deep = { ...defaults.spiral, data: 'spiral' as const, hidden: [64, 64, 64, 64, 64, 64], batchNorm: false, progress: false, log: () => {} };
    const small = train({ ...deep, init: 'small' });
    const he = train({ ...deep, init: 'he' });
    expect(small.trainAccuracy).toBeLessThan(0.5);
    expect(he.trainAccuracy).toBeGreaterThan(0.95);
  });

  it('trains with the SVM loss too', () => {
    const r = train({ ...defaults.spiral, data: 'spiral', loss: 'svm', progress: false, log: () => {} });
    expect(r.trainAccuracy).toBeGreaterThan(0.9);
  });

  it('trains with Adam and saves weights that reload into the same predictions', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnkit-train-'));
    try {
      const file = path.join(dir, 'spiral.safetensors');
      const r = train({ ...defaults.spiral, data: 'spiral', optimizer: 'adam', lr: 1e-2, save: file, progress: false, log: () => {} });
      expect(r.trainAccuracy).toBeGreaterThan(0.95);
      const w = nn.weights.load(file);
      expect(w.names()).toContain('layers.0.bn.running_var');
      expect(w.metadata.sizes).toBe('2,64,64,3');
      expect(w.matrix('layers.2.weight', 64, 3).rows).toBe(64);
      expect(w.vector('input.std', 2).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists its options on --help, and answers a mistake in one line with status 2', () => {
    const help = demo('--help');
    expect(help.status).toBe(0);
    for (const option of ['--data', '--epochs', '--keep-prob', '--loss', '--init', '--no-batchnorm', '--threads']) expect(help.stdout).toContain(option);
    for (const args of [['--bogus'], ['--epochs', 'many'], ['--loss', 'hinge'], ['--data'], ['--optimizer', 'lbfgs']]) {
      const r = demo(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^train: .*\(npm run demo -- --help lists the options\)/);
    }
  });
});
