/**
 * Batch normalization (`nn.BatchNorm`, Ioffe & Szegedy 2015) over the rows of `X: [N × D]`,
 * one feature per column.
 */
import { ErrorCodes, NnkitRangeError, NnkitTypeError, Received, describe, rangeError } from '../errors';
import { assertMatrix, type Matrix, MAX_DIMENSION, outMatrix, allocateFloat32 } from '../matrix';
import { native } from '../native';
import { assertBoolean, assertFiniteNumber, assertFloat32Array, assertInteger, assertOptions, optionKeys } from '../validate';

/** Options of the {@link BatchNorm} constructor. */
export interface BatchNormOptions {
  /** Weight of the current batch in the running averages, in [0, 1]; default 0.1 (PyTorch's). */
  momentum?: number;
  /** Added to the variance before the square root; default 1e-5. */
  eps?: number;
  /** Learnable per-feature scale `gamma` (init 1) and shift `beta` (init 0); default true. */
  affine?: boolean;
}

/** Options of {@link BatchNorm.forward}. */
export interface BatchNormForwardOptions {
  /** Batch statistics and running-average update (default `true`), or the running statistics. */
  training?: boolean;
  /** Where to write Y (`N × D`, not overlapping X); a new Matrix otherwise. */
  out?: Matrix | Float32Array;
}

/** Options of {@link BatchNorm.backward}: where to write each gradient. */
export interface BatchNormBackwardOptions {
  /** `N × D`; a new Matrix otherwise. */
  dX?: Matrix | Float32Array;
  /** `D`; a new Float32Array otherwise (ignored without affine). */
  dGamma?: Float32Array;
  /** `D`; a new Float32Array otherwise (ignored without affine). */
  dBeta?: Float32Array;
}

/** `T` for an affine BatchNorm (`A` true), `null` without affine, either when `A` is only known at run time. */
export type IfAffine<A extends boolean, T> = A extends true ? T : null;

/** The gradients of {@link BatchNorm.backward}; `dGamma`/`dBeta` are null without affine. */
export interface BatchNormGradients<A extends boolean = boolean> {
  dX: Matrix;
  dGamma: IfAffine<A, Float32Array>;
  dBeta: IfAffine<A, Float32Array>;
}

/** The JSON document of a {@link BatchNorm} (version 1). Float arrays are base64 of little-endian float32. */
export interface BatchNormJSON {
  format: 'nnkit.BatchNorm';
  version: 1;
  features: number;
  momentum: number;
  eps: number;
  affine: boolean;
  runningMean: string;
  runningVar: string;
  gamma: string | null;
  beta: string | null;
}

const FORMAT = 'nnkit.BatchNorm';

function encodeFloats(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function formatError(field: string, expected: string, received: unknown, type = false): never {
  const message = `Expected ${expected} for ${field} of an nnkit.BatchNorm document but received ${describe(received)}`;
  throw type ? new NnkitTypeError(ErrorCodes.FORMAT, message, field) : new NnkitRangeError(ErrorCodes.FORMAT, message, field);
}

function decodeFloats(text: unknown, length: number, field: string): Float32Array {
  if (typeof text !== 'string') formatError(field, 'a base64 string', new Received(typeof text), true);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) formatError(field, 'valid base64', new Received('malformed base64'));
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length * 4) formatError(field, `${length} float32 values (${length * 4} bytes)`, new Received(`${bytes.length} bytes`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

const BATCH_NORM_KEYS = optionKeys<BatchNormOptions>()('momentum', 'eps', 'affine');
const FORWARD_KEYS = optionKeys<BatchNormForwardOptions>()('training', 'out');
const BACKWARD_KEYS = optionKeys<BatchNormBackwardOptions>()('dX', 'dGamma', 'dBeta');

/**
 * Batch normalization with training and evaluation modes, learnable `gamma`/`beta` and
 * running statistics.
 *
 * Training (`forward(X, { training: true })`), per column j over the N rows:
 * `μ = mean(x)`, `σ² = mean((x − μ)²)` (**biased**, divides by N), `x̂ = (x − μ) / sqrt(σ² + eps)`,
 * `y = gamma · x̂ + beta`; then, PyTorch's convention,
 * `running = (1 − momentum) · running + momentum · batch`, where the running variance takes
 * the **unbiased** batch variance `σ² · N / (N − 1)` (so N ≥ 2 in training).
 * Evaluation (`training: false`) uses `runningMean`/`runningVar` instead and updates nothing.
 *
 * `backward(dY)` after a training forward gives, in the compact closed form,
 * `dbeta = Σ dy`, `dgamma = Σ dy · x̂`,
 * `dx = gamma / (N · sqrt(σ² + eps)) · (N · dy − dbeta − x̂ · dgamma)`.
 * It reads the forward's X again (not a saved copy of x̂): **do not modify X between forward
 * and backward**.
 *
 * Native kernels: statistics in float64 (shifted sums), normalization in one fused pass,
 * backward in one pass for the column sums and one for dx, split over column strips so the
 * result is identical for every thread count.
 *
 * @example
 * const bn = new nn.BatchNorm(256);
 * const Y = bn.forward(X, { training: true });
 * const { dX, dGamma, dBeta } = bn.backward(dY);
 */
export class BatchNorm<A extends boolean = true> {
  /** Number of features (columns of X). */
  readonly features: number;
  /** Weight of the current batch in the running averages. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /**
   * Whether `gamma`/`beta` are applied (and learned). The class's type parameter follows it:
   * `new BatchNorm(n)` is a `BatchNorm<true>` whose `gamma` and `beta` type as Float32Array,
   * `new BatchNorm(n, { affine: false })` a `BatchNorm<false>` (they are null).
   */
  readonly affine: A;
  /** Per-feature scale (init 1; null without affine). Update it in place when training. */
  readonly gamma: IfAffine<A, Float32Array>;
  /** Per-feature shift (init 0; null without affine). Update it in place when training. */
  readonly beta: IfAffine<A, Float32Array>;
  /** Running mean (init 0), used in evaluation mode. */
  readonly runningMean: Float32Array;
  /** Running unbiased variance (init 1), used in evaluation mode. */
  readonly runningVar: Float32Array;

  #savedMean: Float32Array;
  #savedInvstd: Float32Array;
  #savedX: Matrix | null = null;
  #pending = false;

  constructor(features: number, opts?: BatchNormOptions & { affine?: A }) {
    assertInteger(features, 'features', 1, MAX_DIMENSION);
    assertOptions(opts, 'options', BATCH_NORM_KEYS);
    const momentum = opts?.momentum ?? 0.1;
    const eps = opts?.eps ?? 1e-5;
    const affine = opts?.affine ?? true;
    assertFiniteNumber(momentum, 'momentum');
    if (!(momentum >= 0 && momentum <= 1)) rangeError('momentum', 'a number in [0, 1]', momentum);
    assertFiniteNumber(eps, 'eps');
    if (!(eps > 0)) rangeError('eps', 'a number > 0', eps);
    assertBoolean(affine, 'affine');
    this.features = features;
    this.momentum = momentum;
    this.eps = eps;
    this.affine = affine as A;
    this.gamma = (affine ? allocateFloat32(features, 'features').fill(1) : null) as IfAffine<A, Float32Array>;
    this.beta = (affine ? allocateFloat32(features, 'features') : null) as IfAffine<A, Float32Array>;
    this.runningMean = allocateFloat32(features, 'features');
    this.runningVar = allocateFloat32(features, 'features').fill(1);
    this.#savedMean = allocateFloat32(features, 'features');
    this.#savedInvstd = allocateFloat32(features, 'features');
  }

  /**
   * Normalizes X (`N × features`). Training mode uses the batch statistics, updates the
   * running averages and remembers X for {@link backward}; evaluation mode uses the running
   * statistics.
   */
  forward(X: Matrix, opts?: BatchNormForwardOptions): Matrix {
    const { training, out } = this.#planForward(X, opts);
    native.batchNormForward(X.data, X.rows, X.cols, this.gamma, this.beta, training, this.momentum, this.eps,
      this.runningMean, this.runningVar, this.#savedMean, this.#savedInvstd, out.data);
    this.#savedX = training ? X : null;
    return out;
  }

  /**
   * {@link forward} on the libuv thread pool. Until the Promise settles the layer is busy
   * (other calls throw `ERR_NNKIT_STATE`) and X, `out` and the layer's arrays must not be
   * touched.
   */
  async forwardAsync(X: Matrix, opts?: BatchNormForwardOptions): Promise<Matrix> {
    const { training, out } = this.#planForward(X, opts);
    this.#savedX = null;
    this.#pending = true;
    try {
      await native.batchNormForwardAsync(X.data, X.rows, X.cols, this.gamma, this.beta, training, this.momentum, this.eps,
        this.runningMean, this.runningVar, this.#savedMean, this.#savedInvstd, out.data);
    } finally {
      this.#pending = false;
    }
    this.#savedX = training ? X : null;
    return out;
  }

  /**
   * Gradients given `dY = ∂L/∂Y` of the last training-mode {@link forward} (an
   * `ERR_NNKIT_STATE` error otherwise). Writes, does not accumulate, into the given buffers.
   */
  backward(dY: Matrix, opts?: BatchNormBackwardOptions): BatchNormGradients<A> {
    const { X, grads } = this.#planBackward(dY, opts);
    native.batchNormBackward(dY.data, X.data, X.rows, X.cols, this.gamma, this.#savedMean, this.#savedInvstd, grads.dX.data, grads.dGamma, grads.dBeta);
    return grads;
  }

  /** {@link backward} on the libuv thread pool (see {@link forwardAsync}). */
  async backwardAsync(dY: Matrix, opts?: BatchNormBackwardOptions): Promise<BatchNormGradients<A>> {
    const { X, grads } = this.#planBackward(dY, opts);
    this.#pending = true;
    try {
      await native.batchNormBackwardAsync(dY.data, X.data, X.rows, X.cols, this.gamma, this.#savedMean, this.#savedInvstd, grads.dX.data, grads.dGamma, grads.dBeta);
    } finally {
      this.#pending = false;
    }
    return grads;
  }

  #checkIdle(): void {
    if (this.#pending) throw new NnkitRangeError(ErrorCodes.STATE, 'BatchNorm is busy: an async forward or backward has not settled yet');
  }

  #planForward(X: Matrix, opts: BatchNormForwardOptions | undefined): { training: boolean; out: Matrix } {
    this.#checkIdle();
    assertMatrix(X, 'X');
    assertOptions(opts, 'options', FORWARD_KEYS);
    const training = opts?.training ?? true;
    assertBoolean(training, 'training');
    if (X.cols !== this.features)
      rangeError('X', `a Matrix with ${this.features} columns (the BatchNorm's features)`, new Received(`a ${X.rows} × ${X.cols} Matrix`), ErrorCodes.SHAPE);
    if (training && X.rows < 2)
      rangeError('X', 'at least 2 rows in training mode (the unbiased running variance divides by N − 1)', new Received(`${X.rows} row`), ErrorCodes.SHAPE);
    return { training, out: outMatrix(opts?.out, X.rows, X.cols) };
  }

  #planBackward(dY: Matrix, opts: BatchNormBackwardOptions | undefined): { X: Matrix; grads: BatchNormGradients<A> } {
    this.#checkIdle();
    assertMatrix(dY, 'dY');
    assertOptions(opts, 'options', BACKWARD_KEYS);
    const X = this.#savedX;
    if (X === null)
      throw new NnkitRangeError(ErrorCodes.STATE, 'BatchNorm.backward needs a training-mode forward first (none since construction or the last evaluation-mode forward)');
    if (dY.rows !== X.rows || dY.cols !== X.cols)
      rangeError('dY', `a ${X.rows} × ${X.cols} Matrix (the shape of the forward's X)`, new Received(`a ${dY.rows} × ${dY.cols} Matrix`), ErrorCodes.SHAPE);
    const dX = outMatrix(opts?.dX, X.rows, X.cols, 'dX');
    let dGamma: Float32Array | null = null;
    let dBeta: Float32Array | null = null;
    if (this.affine) {
      dGamma = opts?.dGamma ?? new Float32Array(this.features);
      dBeta = opts?.dBeta ?? new Float32Array(this.features);
      assertFloat32Array(dGamma, 'dGamma');
      assertFloat32Array(dBeta, 'dBeta');
      if (dGamma.length !== this.features) rangeError('dGamma', `a Float32Array of length ${this.features}`, dGamma, ErrorCodes.SHAPE);
      if (dBeta.length !== this.features) rangeError('dBeta', `a Float32Array of length ${this.features}`, dBeta, ErrorCodes.SHAPE);
    }
    return { X, grads: { dX, dGamma, dBeta } as BatchNormGradients<A> };
  }

  /** A versioned JSON document: the options, running statistics and gamma/beta, bit-exact. */
  toJSON(): BatchNormJSON {
    return {
      format: FORMAT,
      version: 1,
      features: this.features,
      momentum: this.momentum,
      eps: this.eps,
      affine: this.affine,
      runningMean: encodeFloats(this.runningMean),
      runningVar: encodeFloats(this.runningVar),
      gamma: this.gamma ? encodeFloats(this.gamma) : null,
      beta: this.beta ? encodeFloats(this.beta) : null,
    };
  }

  /**
   * Restores a BatchNorm from {@link toJSON}'s document (an object or its JSON text). A
   * document of another type or version, or a corrupt one, throws `ERR_NNKIT_FORMAT`.
   */
  static fromJSON(json: unknown): BatchNorm<boolean> {
    let doc = json;
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc);
      } catch {
        formatError('document', 'JSON text', new Received('text that does not parse'));
      }
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) formatError('document', 'an object', doc, true);
    const d = doc as Record<string, unknown>;
    if (d.format !== FORMAT) formatError('format', `'${FORMAT}'`, d.format);
    if (d.version !== 1) formatError('version', 'version 1', d.version);
    const { features, momentum, eps, affine } = d;
    if (typeof features !== 'number' || !Number.isInteger(features) || features < 1 || features > MAX_DIMENSION)
      formatError('features', 'a positive integer', features);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) formatError('momentum', 'a number in [0, 1]', momentum);
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) formatError('eps', 'a finite number > 0', eps);
    if (typeof affine !== 'boolean') formatError('affine', 'a boolean', affine, true);
    const bn = new BatchNorm<boolean>(features, { momentum, eps, affine });
    bn.runningMean.set(decodeFloats(d.runningMean, features, 'runningMean'));
    bn.runningVar.set(decodeFloats(d.runningVar, features, 'runningVar'));
    if (affine) {
      bn.gamma!.set(decodeFloats(d.gamma, features, 'gamma'));
      bn.beta!.set(decodeFloats(d.beta, features, 'beta'));
    } else if (d.gamma !== null || d.beta !== null) {
      formatError('gamma', 'null (affine is false)', new Received('a value'));
    }
    return bn;
  }
}
