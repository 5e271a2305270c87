import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { makeFigures } from '../../examples/figures';
import { FASHION_MNIST_DIR } from '../../examples/datasets';

const installed = fs.existsSync(path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('examples/figures.ts', () => {
  it('renders every figure as a PNG of the expected size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnkit-figures-'));
    const files = await makeFigures(dir);
    const names = files.map((f) => path.basename(f));
    expect(names).toEqual(['preprocessing.png', 'pca-whitening.png', ...(installed ? ['fashion-mnist-pca.png'] : [])]);
    for (const f of files) {
      const png = PNG.sync.read(fs.readFileSync(f));
      // Three 220-px panels side by side (or a 2 × 2 grid of 260-px panels) at 2× zoom, plus titles and axes.
      expect(png.width).toBeGreaterThan(1000);
      expect(png.height).toBeGreaterThan(450);
      expect(png.width).toBeLessThan(3000);
      // Not blank: plenty of non-white pixels.
      let ink = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 200) ink++;
      expect(ink).toBeGreaterThan(2000);
    }
  });
});
