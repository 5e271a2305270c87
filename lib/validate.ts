/**
 * Argument checks shared by every API area. They run before any native call (cheap, with good
 * messages); the native layer re-checks sizes before it touches a pointer.
 * @internal
 */
import { ErrorCodes, NnkitTypeError, rangeError, typeError } from './errors';

/** True when the view's ArrayBuffer has been detached (transferred away). */
export function isDetached(array: ArrayBufferView): boolean {
  // A detached view reads as length 0; only then is the (rare) probe needed: creating a view
  // on a detached buffer throws.
  if (array.byteLength !== 0 || typeof SharedArrayBuffer !== 'undefined' && array.buffer instanceof SharedArrayBuffer) return false;
  try {
    new Uint8Array(array.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

export function assertFloat32Array(value: unknown, name: string): asserts value is Float32Array {
  if (!(value instanceof Float32Array)) typeError(name, 'a Float32Array', value);
  if (isDetached(value)) typeError(name, 'a live Float32Array', 'a view of a detached ArrayBuffer', ErrorCodes.DETACHED);
}

export function assertInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number') typeError(name, `an integer from ${min} to ${max}`, value);
  if (!Number.isInteger(value) || value < min || value > max) rangeError(name, `an integer from ${min} to ${max}`, value);
}

export function assertFiniteNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') typeError(name, 'a finite number', value);
  if (!Number.isFinite(value)) rangeError(name, 'a finite number', value, ErrorCodes.NONFINITE);
}

export function assertBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') typeError(name, 'a boolean', value);
}

/**
 * The keys of an options type, listed once at run time; the compiler rejects a list that leaves
 * one out (`optionKeys<GemmOptions>()('transA', 'transB', …)`).
 */
export function optionKeys<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })
  ): readonly string[] => keys;
}

/**
 * Other libraries' names for options that nnkit calls otherwise (PyTorch, TensorFlow, numpy,
 * scikit-learn), with a note where the meaning differs too: an unknown key that is one of these
 * is reported with nnkit's name, when the call has that option.
 */
const FOREIGN_NAMES: Record<string, { ours: string; note?: string }> = {
  p: { ours: 'keepProb', note: "PyTorch's p is the probability of dropping a unit, keepProb that of keeping one: keepProb = 1 − p" },
  rate: { ours: 'keepProb', note: "Keras's rate is the probability of dropping a unit, keepProb that of keeping one: keepProb = 1 − rate" },
  keep_prob: { ours: 'keepProb' },
  transposeA: { ours: 'transA' }, transposeB: { ours: 'transB' },
  transpose_a: { ours: 'transA' }, transpose_b: { ours: 'transB' },
  trans_a: { ours: 'transA' }, trans_b: { ours: 'transB' },
  adjoint_a: { ours: 'transA' }, adjoint_b: { ours: 'transB' },
  dim: { ours: 'axis' },
  learningRate: { ours: 'lr' }, learning_rate: { ours: 'lr' },
  weight_decay: { ours: 'weightDecay' },
  n_components: { ours: 'components' }, nComponents: { ours: 'components' },
  random_state: { ours: 'seed' }, randomState: { ours: 'seed' },
  n_oversamples: { ours: 'oversample' }, oversamples: { ours: 'oversample' },
  n_iter: { ours: 'powerIters' }, nIter: { ours: 'powerIters' }, powerIterations: { ours: 'powerIters' },
  inplace: { ours: 'inPlace' }, in_place: { ours: 'inPlace' },
  copy: { ours: 'inPlace', note: 'copy: false is inPlace: true' },
  epsilon: { ours: 'eps' },
  betas: { ours: 'beta1', note: "PyTorch's betas: [b1, b2] are beta1: b1, beta2: b2" },
  beta_1: { ours: 'beta1' }, beta_2: { ours: 'beta2' },
  rho: { ours: 'alpha', note: "Keras's rho is RMSProp's decay rate, nnkit's alpha as in PyTorch" },
  train: { ours: 'training' }, is_training: { ours: 'training' }, isTraining: { ours: 'training' },
  with_mean: { ours: 'center' }, withMean: { ours: 'center' },
  with_std: { ours: 'scale' }, withStd: { ours: 'scale' },
  feature_range: { ours: 'range' }, featureRange: { ours: 'range' },
  output: { ours: 'out' },
  ensure_all_finite: { ours: 'checkFinite' }, force_all_finite: { ours: 'checkFinite' }, check_finite: { ours: 'checkFinite' },
  delta: { ours: 'margin' },
};

const normalized = (key: string) => key.replace(/[_-]/g, '').toLowerCase();

/** Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of a substring). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;  // only distances up to 2 matter here
  let prev2: number[] = [], prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
    }
    [prev2, prev] = [prev, cur];
  }
  return prev[b.length]!;
}

/**
 * The option a misspelled key most likely meant: the same name but for case, underscores and
 * hyphens, else the one closest by edit distance — at most 1 edit for names of up to 4 letters,
 * 2 for longer — when exactly one option is that close.
 */
function nearestKey(key: string, keys: readonly string[]): string | undefined {
  const k = normalized(key);
  const same = keys.find((o) => normalized(o) === k);
  if (same) return same;
  const limit = k.length <= 4 ? 1 : 2;
  let best: string | undefined, bestDistance = limit + 1, ties = 0;
  for (const o of keys) {
    const d = editDistance(k, normalized(o));
    if (d < bestDistance) [best, bestDistance, ties] = [o, d, 1];
    else if (d === bestDistance) ties++;
  }
  return bestDistance <= limit && ties === 1 ? best : undefined;
}

/**
 * An options argument: undefined or a plain object whose keys are all among `keys`. An unknown
 * key is ERR_NNKIT_TYPE naming it, and nnkit's name for it when it is another library's name
 * for one of this call's options or a misspelling of one (case, underscores, up to two typos).
 */
export function assertOptions(value: unknown, name: string, keys: readonly string[]): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    typeError(name, 'an options object or undefined', value);
  for (const key of Object.keys(value)) {
    if (keys.includes(key)) continue;
    const foreign = Object.hasOwn(FOREIGN_NAMES, key) ? FOREIGN_NAMES[key] : undefined;
    const near = nearestKey(key, keys);
    let hint: string;
    if (foreign && keys.includes(foreign.ours)) hint = `nnkit's name for it is '${foreign.ours}'${foreign.note ? ` (${foreign.note})` : ''}`;
    else if (near) hint = `did you mean '${near}'?`;
    else hint = keys.length ? `the options are ${keys.map((k) => `'${k}'`).join(', ')}` : 'this call takes no options';
    throw new NnkitTypeError(ErrorCodes.TYPE, `Unknown option '${key}' in ${name}: ${hint}`, `${name}.${key}`);
  }
}

export function assertOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string') typeError(name, allowed.map((a) => `'${a}'`).join(' or '), value);
  if (!(allowed as readonly string[]).includes(value)) rangeError(name, allowed.map((a) => `'${a}'`).join(' or '), value);
}
