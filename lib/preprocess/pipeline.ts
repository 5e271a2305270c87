/**
 * A chain of fitted preprocessing steps, saved and loaded as one document.
 */
import { ErrorCodes, NnkitTypeError, Received, rangeError, typeError } from '../errors';
import { assertMatrix, type Matrix, matrixArg } from '../matrix';
import { assertBoolean, assertInteger, assertOptions, isDetached, optionKeys } from '../validate';
import { DocumentReader, type SavedDocument } from './serialize';
import { readStep, registerStep, stateError, TRANSFORM_KEYS, type Transformer, type TransformOptions } from './transformer';

const FORMAT = 'nnkit.Pipeline';
/** Most steps a saved Pipeline may hold (bounds the work a hostile document can ask for). */
const MAX_STEPS = 1024;
/** Deepest nesting of Pipelines inside saved Pipelines. */
const MAX_DEPTH = 16;

/** True when the step holds no statistics from any fit (a Pipeline: none of its steps does). */
function hasStatistics(step: Transformer): boolean {
  if (step instanceof Pipeline) return step.steps.some(hasStatistics);
  return step.fitted === true;
}

/** False only for a step that reports it is not (completely) fitted. */
function isFitted(step: Transformer): boolean {
  if (step instanceof Pipeline) return step.steps.every(isFitted);
  return step.fitted !== false;
}

/** The saved documents of the first `count` steps: equal strings mean identical fitted statistics. */
function snapshot(steps: readonly Transformer[], count: number): string {
  return JSON.stringify(steps.slice(0, count).map((step) => step.toJSON()));
}

/** Options of {@link Pipeline.partialFit}. */
export interface PipelinePartialFitOptions {
  /**
   * The step whose statistics this chunk adds to (default: the last step). Steps before it must
   * be fitted; they transform the chunk first and are frozen from then on.
   */
  stage?: number;
}

function assertStep(step: unknown, name: string): asserts step is Transformer {
  const s = step as Partial<Transformer> | null;
  if (s === null || typeof s !== 'object' || typeof s.fit !== 'function' || typeof s.transform !== 'function' ||
    typeof s.fitTransform !== 'function' || typeof s.toJSON !== 'function' || typeof s.fitAsync !== 'function')
    typeError(name, 'a preprocessing step (fit, fitAsync, transform, fitTransform, toJSON)', step);
}

const PARTIAL_FIT_KEYS = optionKeys<PipelinePartialFitOptions>()('stage');

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
  /** The stage being streamed by partialFit/merge and the documents of the frozen steps before it. */
  #streaming: { stage: number; frozen: string } | null = null;

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

  /** True when every step is fitted (a step that does not say counts as fitted). */
  get fitted(): boolean {
    return isFitted(this);
  }

  /** The step partialFit/merge streams into, or null before any streaming (and after fit). */
  get stage(): number | null {
    return this.#streaming?.stage ?? null;
  }

  /** Fits every step on the output of the ones before it. */
  fit(X: Matrix): this {
    assertMatrix(X, 'X');
    this.#streaming = null;
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
    this.#streaming = null;
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
    checkChainOptions(opts);
    let current = X;
    steps.forEach((step, i) => {
      current = apply(step, current, stepOptions(opts, i, i === steps.length - 1, opts?.inPlace ?? false));
    });
    return current;
  }

  /**
   * {@link transform} on the libuv thread pool, each step through its `transformAsync` (a step
   * without one runs its sync `transform` in turn); bit-identical to {@link transform}. The
   * result is written into `out` when the last step's work is done. With `inPlace`, the steps
   * run in place on one private copy of X, which is copied back into X when the last step is
   * done, so X changes only then (and not at all when a step rejects). Errors reject with the
   * codes of the sync call.
   */
  async transformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    return this.#chainAsync(this.#steps, X, opts, (step, input, o) =>
      (step.transformAsync ? step.transformAsync(input, o) : Promise.resolve(step.transform(input, o))));
  }

  /** {@link inverseTransform} on the libuv thread pool (semantics as {@link transformAsync}). */
  async inverseTransformAsync(X: Matrix, opts?: TransformOptions): Promise<Matrix> {
    const reversed = [...this.#steps].reverse();
    reversed.forEach((step, i) => {
      if (typeof step.inverseTransform !== 'function')
        throw new NnkitTypeError(ErrorCodes.TYPE, `Pipeline step ${this.#steps.length - 1 - i} has no inverseTransform`);
    });
    return this.#chainAsync(reversed, X, opts, (step, input, o) =>
      (step.inverseTransformAsync ? step.inverseTransformAsync(input, o) : Promise.resolve(step.inverseTransform!(input, o))));
  }

  async #chainAsync(steps: Transformer[], X: Matrix, opts: TransformOptions | undefined,
    apply: (step: Transformer, input: Matrix, o: TransformOptions | undefined) => Promise<Matrix>): Promise<Matrix> {
    // X as checked now: the result of an in-place chain goes back into this buffer, whatever
    // X.data says by the time the steps are done.
    const checked = matrixArg(X, 'X');
    checkChainOptions(opts);
    const inPlace = opts?.inPlace ?? false;
    if (!inPlace) {
      let current = X;
      for (let i = 0; i < steps.length; i++) current = await apply(steps[i]!, current, stepOptions(opts, i, i === steps.length - 1, false));
      return current;
    }
    if (steps.length === 1) return apply(steps[0]!, X, opts);
    const data = checked.data;
    const work: Matrix = { data: data.slice(), rows: checked.rows, cols: checked.cols };
    for (let i = 0; i < steps.length; i++) await apply(steps[i]!, work, stepOptions(opts, i, i === steps.length - 1, true));
    if (isDetached(data)) typeError('X', 'a live Float32Array while the transform ran', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
    data.set(work.data);
    return X;
  }

  /**
   * Streaming fit: adds a chunk of training rows to the statistics of one step, the *stage*
   * (default: the last step), after transforming the chunk through the fitted steps before it.
   *
   * Why stages: fitting every step on every chunk in one pass would fit step i + 1 on outputs
   * of a step i whose statistics are still changing, which is not what {@link fit} computes.
   * So the steps before the stage must already be fitted, and are frozen while the stage
   * streams. Two ways to use it:
   * - steps before the last one already fitted (e.g. loaded): `partialFit(chunk)` over the chunks;
   * - from unfitted steps, one pass over the data per step:
   *   `for (let stage = 0; stage < n; stage++) for (const chunk of chunks) p.partialFit(chunk, { stage })`.
   *   Then every step's statistics equal those of `fit` on all the rows (to rounding).
   *
   * Anything that would silently give other statistics throws ERR_NNKIT_STATE: a step before
   * the stage that is not fitted, or that changed (fit, partialFit or merge called on it
   * directly) since the stage began (its saved document is compared); a step from the stage on
   * that already holds statistics when the stage begins; going back to an earlier stage;
   * skipping a stage. {@link fit} ends the streaming. The stage is not saved by toJSON.
   */
  partialFit(X: Matrix, opts?: PipelinePartialFitOptions): this {
    assertMatrix(X, 'X');
    assertOptions(opts, 'options', PARTIAL_FIT_KEYS);
    const stage = opts?.stage ?? this.#steps.length - 1;
    assertInteger(stage, 'stage', 0, this.#steps.length - 1);
    this.#enterStage(stage, 'partialFit');
    let current = X;
    for (let i = 0; i < stage; i++) current = this.#steps[i]!.transform(current);
    this.#steps[stage]!.partialFit!(current);
    return this;
  }

  /**
   * Adds another Pipeline's streamed statistics (its stage, fitted by partialFit in a worker or
   * on another machine) to this one's. Both must have streamed through identical frozen steps
   * (same saved documents, e.g. loaded from one file) and this one must be at the same stage or
   * not streaming yet (then it starts that stage under the rules of {@link partialFit}); the
   * stage steps are merged with their own `merge`.
   */
  merge(other: Pipeline): this {
    if (!(other instanceof Pipeline)) typeError('other', 'a Pipeline', other);
    if (other === this) rangeError('other', 'another Pipeline', new Received('this Pipeline'));
    const theirs = other.#streaming;
    if (theirs === null) {
      if (!other.#steps.some(hasStatistics)) return this;
      stateError('Pipeline.merge() takes a Pipeline fitted with partialFit (its streamed stage is what is merged); this one was fitted with fit or not streamed');
    }
    if (other.#steps.length !== this.#steps.length)
      rangeError('other', `a Pipeline of ${this.#steps.length} steps`, new Received(`${other.#steps.length} steps`), ErrorCodes.SHAPE);
    if (snapshot(other.#steps, theirs.stage) !== theirs.frozen)
      stateError(`Pipeline.merge(): a step of other before its stage ${theirs.stage} changed after streaming began`);
    const step = this.#steps[theirs.stage]!;
    if (typeof step.merge !== 'function') typeError(`steps[${theirs.stage}]`, 'a step with merge', step);
    this.#enterStage(theirs.stage, 'merge');
    if (this.#streaming!.frozen !== theirs.frozen)
      stateError(`Pipeline.merge(): the steps before stage ${theirs.stage} differ between the two Pipelines; their streamed statistics describe differently transformed data`);
    (step.merge as (o: Transformer) => unknown)(other.#steps[theirs.stage]!);
    return this;
  }

  /** Checks the rules of partialFit for streaming into `stage` and records the frozen steps. */
  #enterStage(stage: number, method: string): void {
    const steps = this.#steps;
    const step = steps[stage]!;
    if (typeof step.partialFit !== 'function') typeError(`steps[${stage}]`, 'a step with partialFit', step);
    const current = this.#streaming;
    if (current !== null) {
      if (snapshot(steps, current.stage) !== current.frozen)
        stateError(`Pipeline.${method}(): a step before stage ${current.stage} changed (fit, partialFit or merge called on it directly) after streaming into stage ${current.stage} began; its earlier outputs no longer match`);
      if (stage === current.stage) return;
      if (stage < current.stage)
        stateError(`Pipeline.${method}(): stage ${stage} is frozen: stage ${current.stage} is already being fitted on its outputs (call fit, or build a new Pipeline, to start over)`);
      if (stage > current.stage + 1)
        stateError(`Pipeline.${method}(): stage ${current.stage + 1} comes before stage ${stage}; stream the stages in order`);
    }
    for (let i = 0; i < stage; i++)
      if (!isFitted(steps[i]!))
        stateError(`Pipeline.${method}(): steps[${i}] is not fitted, so it cannot transform the chunks of stage ${stage}; stream the stages in order (partialFit(chunk, { stage: ${i} }) over every chunk first) or fit it`);
    for (let i = stage; i < steps.length; i++)
      if (hasStatistics(steps[i]!))
        stateError(`Pipeline.${method}(): steps[${i}] already holds statistics when stage ${stage} begins; they would mix with statistics of data transformed by other steps (start from unfitted steps, or use fit)`);
    this.#streaming = { stage, frozen: snapshot(steps, stage) };
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

function checkChainOptions(opts: TransformOptions | undefined): void {
  assertOptions(opts, 'options', TRANSFORM_KEYS);
  assertBoolean(opts?.inPlace ?? false, 'inPlace');
  assertBoolean(opts?.checkFinite ?? true, 'checkFinite');
}

/**
 * The options of step i of a chain: the caller's `out` goes to the last step; the first step
 * checks the caller's input for NaN and ±Infinity as asked (so a rejected call names the
 * caller's X and writes nothing), the later ones read what this Pipeline produced.
 */
function stepOptions(opts: TransformOptions | undefined, i: number, last: boolean, inPlace: boolean): TransformOptions {
  const checkFinite = i === 0 ? (opts?.checkFinite ?? true) : false;
  if (inPlace) return { inPlace: true, checkFinite };
  return last && opts?.out !== undefined ? { out: opts.out, checkFinite } : { checkFinite };
}
