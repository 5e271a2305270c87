/**
 * A chain of fitted preprocessing steps, saved and loaded as one document.
 */
import { ErrorCodes, NnkitTypeError, rangeError, typeError } from '../errors';
import { assertMatrix, type Matrix } from '../matrix';
import { DocumentReader, type SavedDocument } from './serialize';
import { readStep, registerStep, type Transformer, type TransformOptions } from './transformer';

const FORMAT = 'nnkit.Pipeline';
/** Most steps a saved Pipeline may hold (bounds the work a hostile document can ask for). */
const MAX_STEPS = 1024;
/** Deepest nesting of Pipelines inside saved Pipelines. */
const MAX_DEPTH = 16;

function assertStep(step: unknown, name: string): asserts step is Transformer {
  const s = step as Partial<Transformer> | null;
  if (s === null || typeof s !== 'object' || typeof s.fit !== 'function' || typeof s.transform !== 'function' ||
    typeof s.fitTransform !== 'function' || typeof s.toJSON !== 'function' || typeof s.fitAsync !== 'function')
    typeError(name, 'a preprocessing step (fit, fitAsync, transform, fitTransform, toJSON)', step);
}

/**
 * Steps applied in order: `fit` fits step i on the output of steps 0 … i−1 (so each step sees
 * what it will see at transform time), `transform` applies them all, `inverseTransform` undoes
 * them in reverse order, `toJSON`/`fromJSON` save and load the whole chain.
 *
 * @example
 * const prep = new nn.Pipeline([new nn.Standardizer(), new nn.PCA({ components: 100, whiten: 'pca' })]);
 * const Xtrain2 = prep.fitTransform(Xtrain);
 * fs.writeFileSync('prep.json', JSON.stringify(prep));
 * const again = nn.Pipeline.fromJSON(JSON.parse(fs.readFileSync('prep.json', 'utf8')));
 */
export class Pipeline implements Transformer {
  readonly #steps: Transformer[];

  /** @param steps Fitted or unfitted steps (Standardizer, RangeScaler, PCA, Pipeline, …). */
  constructor(steps: readonly Transformer[]) {
    if (!Array.isArray(steps)) typeError('steps', 'an array of preprocessing steps', steps);
    if (steps.length === 0) rangeError('steps', 'at least one step', steps);
    steps.forEach((step, i) => assertStep(step, `steps[${i}]`));
    this.#steps = [...steps];
  }

  /** The steps, in order (a copy of the list; the steps themselves are shared). */
  get steps(): Transformer[] {
    return [...this.#steps];
  }

  /** Fits every step on the output of the ones before it. */
  fit(X: Matrix): this {
    assertMatrix(X, 'X');
    let current = X;
    this.#steps.forEach((step, i) => {
      if (i === this.#steps.length - 1) step.fit(current);
      else current = step.fitTransform(current);
    });
    return this;
  }

  /** {@link fit} with each step's heavy part on the libuv thread pool. */
  async fitAsync(X: Matrix): Promise<this> {
    assertMatrix(X, 'X');
    let current = X;
    for (let i = 0; i < this.#steps.length; i++) {
      const step = this.#steps[i]!;
      await step.fitAsync(current);
      if (i < this.#steps.length - 1) current = step.transform(current);
    }
    return this;
  }

  /**
   * Applies every step. Intermediate results are new matrices; the last step writes to `out`.
   * `inPlace` applies every step in place (only when every step keeps the width).
   */
  transform(X: Matrix, opts?: TransformOptions): Matrix {
    return this.#chain(this.#steps, X, opts, (step, input, o) => step.transform(input, o));
  }

  /** Undoes the steps in reverse order; every step must have `inverseTransform`. */
  inverseTransform(X: Matrix, opts?: TransformOptions): Matrix {
    const reversed = [...this.#steps].reverse();
    reversed.forEach((step, i) => {
      if (typeof step.inverseTransform !== 'function')
        throw new NnkitTypeError(ErrorCodes.TYPE, `Pipeline step ${this.#steps.length - 1 - i} has no inverseTransform`);
    });
    return this.#chain(reversed, X, opts, (step, input, o) => step.inverseTransform!(input, o));
  }

  #chain(steps: Transformer[], X: Matrix, opts: TransformOptions | undefined,
    apply: (step: Transformer, input: Matrix, o: TransformOptions | undefined) => Matrix): Matrix {
    assertMatrix(X, 'X');
    let current = X;
    steps.forEach((step, i) => {
      const last = i === steps.length - 1;
      if (opts?.inPlace) current = apply(step, current, { inPlace: true });
      else current = apply(step, current, last ? opts : undefined);
    });
    return current;
  }

  /** `fit(X)` then `transform(X, opts)`. */
  fitTransform(X: Matrix, opts?: TransformOptions): Matrix {
    return this.fit(X).transform(X, opts);
  }

  /** `{ format: 'nnkit.Pipeline', version: 1, steps: [each step's document] }`. */
  toJSON(): SavedDocument {
    return { format: FORMAT, version: 1, steps: this.#steps.map((s) => s.toJSON()) };
  }

  /**
   * Reads a saved Pipeline; each step is read by the reader registered for its `format`
   * (`nnkit.Standardizer`, `nnkit.RangeScaler`, `nnkit.PCA`, `nnkit.Pipeline`).
   * ERR_NNKIT_FORMAT for anything damaged or unknown.
   */
  static fromJSON(json: unknown): Pipeline {
    return readPipeline(json, 'json', 0);
  }
}

function readPipeline(json: unknown, path: string, depth: number): Pipeline {
  const r = new DocumentReader(json, FORMAT, [1], path);
  if (depth >= MAX_DEPTH) rangeError(path, `Pipelines nested at most ${MAX_DEPTH} deep`, depth, ErrorCodes.FORMAT);
  const docs = r.array('steps', MAX_STEPS);
  if (docs.length === 0) rangeError(`${path}.steps`, 'at least one step', docs, ErrorCodes.FORMAT);
  const steps = docs.map((doc, i) => {
    const stepPath = `${path}.steps[${i}]`;
    const format = doc !== null && typeof doc === 'object' ? (doc as { format?: unknown }).format : undefined;
    return format === FORMAT ? readPipeline(doc, stepPath, depth + 1) : readStep(doc, stepPath);
  });
  return new Pipeline(steps);
}

registerStep(FORMAT, (json, path) => readPipeline(json, path, 0));
