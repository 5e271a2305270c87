/**
 * Gradient checking as in the CS231n notes: compare an analytic gradient with centered finite
 * differences, coordinate by coordinate, by relative error.
 */
import { ErrorCodes, rangeError, typeError } from './errors';
import { floatsArg, type Matrix } from './matrix';
import { assertFiniteNumber, assertInteger, assertOptions, optionKeys } from './validate';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Step of the centered difference (default 1e-3, suited to float32 parameters). */
  h?: number;
  /**
   * Largest acceptable relative error (default 1e-2). The notes' guide for float64: > 1e-2 is
   * probably wrong, 1e-4 is uncomfortable except at kinks, < 1e-7 is good; float32 inputs and
   * losses averaged over many samples cannot reach the float64 figures, and kinks of hinge
   * losses (max(0, ·) crossing 0 within ±h) legitimately fail.
   */
  tolerance?: number;
  /** Check at most this many coordinates, evenly spread (default: all). */
  maxChecks?: number;
  /** How many of the worst coordinates to report (default 5). */
  report?: number;
}

/** One checked coordinate. */
export interface GradcheckEntry {
  index: number;
  analytic: number;
  numeric: number;
  relError: number;
}

/** What {@link gradcheck} returns. */
export interface GradcheckResult {
  /** Largest relative error over the checked coordinates. */
  maxRelError: number;
  /** The worst coordinates, worst first. */
  worst: GradcheckEntry[];
  /** How many coordinates were checked. */
  checked: number;
  /** `maxRelError <= tolerance`. */
  passed: boolean;
}

const GRADCHECK_KEYS = optionKeys<GradcheckOptions>()('h', 'tolerance', 'maxChecks', 'report');

/**
 * Centered-difference gradient check. For each checked coordinate i of `x`, evaluates
 * `numeric = (fn(x + h·e_i) − fn(x − h·e_i)) / 2h` (x is perturbed in place and restored), and
 * compares it with `analytic[i]` by the relative error `|a − n| / max(|a|, |n|)` (0 when both are
 * 0), the notes' recommended measure.
 *
 * @param fn the scalar function of x (it reads x; it must not keep it modified).
 * @param x the point, a Float32Array or Matrix.
 * @param analytic the gradient at x, same length as x.
 */
export function gradcheck(fn: (x: Float32Array) => number, x: Float32Array | Matrix, analytic: Float32Array | Matrix,
  opts?: GradcheckOptions): GradcheckResult {
  if (typeof fn !== 'function') typeError('fn', 'a function returning a number', fn);
  const xs = floatsArg(x, 'x');
  const a = floatsArg(analytic, 'analytic');
  if (a.length !== xs.length) rangeError('analytic', `a gradient of x's length ${xs.length}`, a, ErrorCodes.SHAPE);
  assertOptions(opts, 'options', GRADCHECK_KEYS);
  const h = opts?.h ?? 1e-3;
  const tolerance = opts?.tolerance ?? 1e-2;
  assertFiniteNumber(h, 'h');
  if (!(h > 0)) rangeError('h', 'a step > 0', h);
  assertFiniteNumber(tolerance, 'tolerance');
  if (tolerance < 0) rangeError('tolerance', 'a tolerance >= 0', tolerance);
  const maxChecks = opts?.maxChecks ?? xs.length;
  assertInteger(maxChecks, 'maxChecks', 1);
  const report = opts?.report ?? 5;
  assertInteger(report, 'report', 0);
  const n = xs.length;
  const count = Math.min(n, maxChecks);
  const entries: GradcheckEntry[] = [];
  const call = (): number => {
    const v = fn(xs);
    if (typeof v !== 'number') typeError('fn', 'a function returning a number', v);
    return v;
  };
  for (let c = 0; c < count; c++) {
    const index = count === n ? c : Math.floor((c * n) / count);
    const saved = xs[index]!;
    xs[index] = saved + h;
    const plus = call();
    xs[index] = saved - h;
    const minus = call();
    xs[index] = saved;
    // The step actually taken in float32 may differ from h; divide by it.
    const step = Math.fround(saved + h) - Math.fround(saved - h);
    const numeric = (plus - minus) / step;
    const an = a[index]!;
    const denom = Math.max(Math.abs(an), Math.abs(numeric));
    const relError = denom === 0 ? 0 : Math.abs(an - numeric) / denom;
    entries.push({ index, analytic: an, numeric, relError: Number.isNaN(relError) ? Infinity : relError });
  }
  entries.sort((p, q) => q.relError - p.relError);
  const maxRelError = entries.length > 0 ? entries[0]!.relError : 0;
  return { maxRelError, worst: entries.slice(0, report), checked: count, passed: maxRelError <= tolerance };
}
