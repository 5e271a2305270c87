/**
 * Reproduces the figures of the CS231n notes' preprocessing section with nnkit, as PNGs:
 *
 *   preprocessing.png      2-D data: original, zero-centered, normalized (nn.Standardizer)
 *   pca-whitening.png      2-D data: original, decorrelated (PCA rotation), whitened (nn.PCA)
 *   fashion-mnist-pca.png  49 Fashion-MNIST images, the top 144 eigenvectors, the 49 images
 *                          reconstructed from 144 components, and from whitened components
 *
 * `npm run figures [-- --out DIR] [-- --dir FASHION_MNIST_DIR]`. Scatter plots are Vega-Lite
 * specifications rendered to SVG by Vega, image grids are encoded with pngjs, and the composed
 * SVG is rasterized by resvg.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import * as nn from '../lib/index';
import { FASHION_MNIST_DIR, loadFashionMnist, MissingDatasetError } from './datasets';

type Spec = Record<string, unknown>;

/** Renders a Vega-Lite spec to PNG (2× zoom). Vega is ESM with top-level await: imported lazily. */
async function renderPng(spec: Spec): Promise<Buffer> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const { Resvg } = await import('@resvg/resvg-js');
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const svg = await new vega.View(vega.parse(compiled), { renderer: 'none' }).toSVG();
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
}

/** One scatter panel of 2-D points with a title and labelled axes on a fixed, square domain. */
function scatterPanel(title: string, X: nn.Matrix, domain: number): Spec {
  const values = Array.from({ length: X.rows }, (_, i) => ({ x: X.data[2 * i], y: X.data[2 * i + 1] }));
  const axis = (label: string) => ({ field: label, type: 'quantitative', title: label === 'x' ? 'x₁' : 'x₂', scale: { domain: [-domain, domain] } });
  return { title, width: 220, height: 220, data: { values }, mark: { type: 'circle', size: 12, opacity: 0.6 }, encoding: { x: axis('x'), y: axis('y') } };
}

/** Correlated 2-D Gaussian data with an offset, like the notes' example cloud. */
function cloud(n: number, rng: nn.Rng): nn.Matrix {
  const z = rng.normal(nn.matrix(n, 2));
  const X = nn.matrix(n, 2);
  for (let i = 0; i < n; i++) {
    const a = z.data[2 * i]!, b = z.data[2 * i + 1]!;
    X.data[2 * i] = 3 + 2.0 * a + 0.0 * b;
    X.data[2 * i + 1] = 2 + 1.2 * a + 0.5 * b;
  }
  return X;
}

function copy(X: nn.Matrix): nn.Matrix {
  return nn.matrix(X.data.slice(), X.rows, X.cols);
}

/** A grid of square grayscale images (rows of `images`, side × side each) as a PNG data URI; each image min–max scaled. */
function imageGrid(images: nn.Matrix, count: number, side: number, perRow: number): { uri: string; width: number; height: number } {
  const gap = 2, rows = Math.ceil(count / perRow);
  const width = perRow * (side + gap) + gap, height = rows * (side + gap) + gap;
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (let k = 0; k < count; k++) {
    const img = images.data.subarray(k * side * side, (k + 1) * side * side);
    let lo = Infinity, hi = -Infinity;
    for (const v of img) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const ox = gap + (k % perRow) * (side + gap), oy = gap + Math.floor(k / perRow) * (side + gap);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const v = Math.round((img[y * side + x]! - lo) * scale);
        const o = ((oy + y) * width + ox + x) * 4;
        png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
        png.data[o + 3] = 255;
      }
  }
  return { uri: `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`, width, height };
}

function imagePanel(title: string, grid: { uri: string; width: number; height: number }, size: number): Spec {
  return {
    title, width: size, height: size * (grid.height / grid.width),
    data: { values: [{ url: grid.uri }] },
    mark: { type: 'image', width: size, height: size * (grid.height / grid.width), aspect: true },
    encoding: { url: { field: 'url', type: 'nominal' }, x: { value: size / 2 }, y: { value: (size * (grid.height / grid.width)) / 2 } },
  };
}

/** Rows (samples) whose columns are the first `count` columns of `M`, i.e. Mᵀ restricted. */
function columnsAsRows(M: nn.Matrix, count: number): nn.Matrix {
  const out = nn.matrix(count, M.rows);
  for (let j = 0; j < count; j++) for (let i = 0; i < M.rows; i++) out.data[j * M.rows + i] = M.data[i * M.cols + j]!;
  return out;
}

export async function makeFigures(outDir: string, dataDir = FASHION_MNIST_DIR): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const save = async (name: string, spec: Spec) => {
    const file = path.join(outDir, name);
    fs.writeFileSync(file, await renderPng(spec));
    written.push(file);
  };
  const rng = new nn.Rng(7);

  // 1. Mean subtraction and normalization.
  const X = cloud(500, rng);
  const centered = new nn.Standardizer({ center: true, scale: false }).fitTransform(copy(X));
  const normalized = new nn.Standardizer().fitTransform(copy(X));
  await save('preprocessing.png', {
    title: { text: 'Common data preprocessing (nn.Standardizer)', fontSize: 16 },
    hconcat: [scatterPanel('original data', X, 10), scatterPanel('zero-centered data', centered, 10), scatterPanel('normalized data', normalized, 10)],
  });

  // 2. PCA rotation and whitening.
  const rotated = new nn.PCA({ components: 2 }).fitTransform(copy(X));
  const whitened = new nn.PCA({ components: 2, whiten: 'pca' }).fitTransform(copy(X));
  await save('pca-whitening.png', {
    title: { text: 'PCA and whitening (nn.PCA)', fontSize: 16 },
    hconcat: [scatterPanel('original data', X, 10), scatterPanel('decorrelated data (PCA rotation)', rotated, 10), scatterPanel('whitened data', whitened, 10)],
  });

  // 3. Fashion-MNIST: eigenvectors, reduced and whitened reconstructions.
  let train: ReturnType<typeof loadFashionMnist>;
  try {
    train = loadFashionMnist('train', dataDir);
  } catch (e) {
    if (e instanceof MissingDatasetError) {
      console.warn(`Skipping the Fashion-MNIST figure: ${e.message}`);
      return written;
    }
    throw e;
  }
  const k = 144, side = 28;
  const sample = nn.matrix(train.X.data.slice(0, 49 * 784), 49, 784);
  const pca = new nn.PCA({ components: k }).fit(train.X);
  const reduced = pca.transform(sample);                    // 49 × 144
  const reconstructed = pca.inverseTransform(reduced);       // 49 × 784
  // The notes' whitened images: Xwhite = Xrot / sqrt(S + eps), back to pixel space by U[:, :k]ᵀ.
  const white = new nn.PCA({ components: k, whiten: 'pca' }).fit(train.X).transform(sample);
  const whiteImages = nn.gemm(white, pca.components, { transB: true });
  const panel = 260;
  await save('fashion-mnist-pca.png', {
    title: { text: `Fashion-MNIST: PCA with ${k} components (nn.PCA, ${train.X.rows} training images)`, fontSize: 16 },
    vconcat: [
      { hconcat: [imagePanel('49 images', imageGrid(sample, 49, side, 7), panel), imagePanel(`top ${k} eigenvectors`, imageGrid(columnsAsRows(pca.components, k), k, side, 12), panel)] },
      { hconcat: [imagePanel(`reduced to ${k} dimensions`, imageGrid(reconstructed, 49, side, 7), panel), imagePanel(`whitened ${k}-dim representation`, imageGrid(whiteImages, 49, side, 7), panel)] },
    ],
  });
  return written;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'figures' }, dir: { type: 'string', default: FASHION_MNIST_DIR } } });
  makeFigures(values.out!, values.dir!).then(
    (files) => console.log(`Wrote ${files.join(', ')}`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
