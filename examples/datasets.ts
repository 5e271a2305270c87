/**
 * Data for the examples: the CS231n spiral (generated from a seed) and Fashion-MNIST from
 * Debian's `dataset-fashion-mnist` package (IDX files, gzip).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as nn from '../lib/index';

/** Inputs and one class label per row. */
export interface Dataset {
  X: nn.Matrix;
  y: Uint8Array;
  classes: number;
}

/**
 * The spiral of the CS231n notes: `classes` arms of `perClass` points in 2-D, not linearly
 * separable. Arm j: radius r = t, angle θ = 4j + 4t + 0.2·noise for t ∈ [0, 1).
 */
export function spiral(perClass: number, classes: number, rng: nn.Rng): Dataset {
  const n = perClass * classes;
  const X = nn.matrix(n, 2), y = new Uint8Array(n);
  const noise = rng.normal(new Float32Array(n));
  for (let j = 0; j < classes; j++)
    for (let i = 0; i < perClass; i++) {
      const row = j * perClass + i;
      const r = i / perClass;
      const theta = j * 4 + (i / perClass) * 4 + noise[row]! * 0.2;
      X.data[row * 2] = r * Math.sin(theta);
      X.data[row * 2 + 1] = r * Math.cos(theta);
      y[row] = j;
    }
  return { X, y, classes };
}

/** Where Debian's `dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The ten Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/**
 * Reads an IDX file (the MNIST format: big-endian magic 0x000008TT with TT the element type and
 * the number of dimensions in its last byte, then one uint32 per dimension, then the data),
 * gzip-compressed or not. Only unsigned bytes (type 0x08) are supported, which is what
 * (Fashion-)MNIST uses.
 */
export function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  let bytes: Buffer = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${file}: not an IDX file`);
  if (bytes[2] !== 0x08) throw new Error(`${file}: IDX element type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const rank = bytes[3]!;
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(bytes.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + count) throw new Error(`${file}: expected ${count} data bytes, found ${bytes.length - offset}`);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, count) };
}

/** Raised when the Fashion-MNIST files are not installed. */
export class MissingDatasetError extends Error {}

/**
 * Loads a Fashion-MNIST split as float32 pixels in [0, 255] (the raw scale: preprocessing is the
 * job of a fitted `nn.Standardizer`), 784 per row, and labels 0–9.
 */
export function loadFashionMnist(split: 'train' | 'test', dir = FASHION_MNIST_DIR): Dataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const find = (name: string) => [path.join(dir, `${name}.gz`), path.join(dir, name)].find((f) => fs.existsSync(f));
  const imagesFile = find(`${prefix}-images-idx3-ubyte`), labelsFile = find(`${prefix}-labels-idx1-ubyte`);
  if (!imagesFile || !labelsFile)
    throw new MissingDatasetError(
      `Fashion-MNIST not found in ${dir}. On Debian or Ubuntu install it with:\n  sudo apt-get install dataset-fashion-mnist\n` +
        `or pass --dir with a folder holding ${prefix}-images-idx3-ubyte(.gz) and ${prefix}-labels-idx1-ubyte(.gz).`,
    );
  const images = readIdx(imagesFile), labels = readIdx(labelsFile);
  const [n, rows, cols] = images.dims as [number, number, number];
  if (images.dims.length !== 3 || labels.dims.length !== 1 || labels.dims[0] !== n) throw new Error(`${dir}: image and label files do not match`);
  const X = nn.matrix(n, rows * cols);
  for (let i = 0; i < X.data.length; i++) X.data[i] = images.data[i]!;
  return { X, y: Uint8Array.from(labels.data), classes: 10 };
}
