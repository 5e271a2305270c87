/**
 * Argument specs for the boundary fuzzer: inert descriptions of call arguments that fast-check
 * generates and shrinks, turned into real values (typed arrays in guarded buffers, lying
 * matrices, detached and shared views, hostile primitives) only when a call runs.
 *
 * Every typed array is a view in the middle of a larger ArrayBuffer (or SharedArrayBuffer)
 * whose bytes outside the view hold a canary pattern; after each call `checkGuards` verifies
 * that no canary byte changed and that read-only inputs are bit-identical.
 */
import fc from 'fast-check';
import * as nn from '../../lib/index';

export type ElementKind = 'f32' | 'f64' | 'u32' | 'i32' | 'u16' | 'u8';
export type Fill = 'data' | 'zero' | 'nan' | 'inf' | 'denormal' | 'huge' | 'labels'
  /** −1, 0, 1 (multi-label hinge targets); [0, 1] (probabilities); 1e4 + small noise; one constant. */
  | 'signs' | 'unit' | 'offset' | 'const'
  /** ArraySpec.values, repeated (tree path arrays, JSON-like contents). */
  | 'values';

export interface ArraySpec {
  k: 'array';
  type: ElementKind;
  len: number;
  /** Elements of canary before the view: any value, so views start at every 4-byte offset. */
  offset: number;
  shared: boolean;
  detached: boolean;
  /** The callee must not modify it. */
  ro: boolean;
  fill: Fill;
  /** Largest label when fill === 'labels' (negative: labels of -1, i.e. 2^32 − 1 unsigned). */
  max?: number;
  /** Extra canary bytes after the view, so later arguments can be carved out of this buffer ('overlap'). */
  room?: number;
  /** The elements when fill === 'values'. */
  values?: number[];
}

export type Spec =
  | ArraySpec
  | { k: 'matrix'; data: Spec; rows: Spec; cols: Spec; extra?: boolean }
  | { k: 'num'; v: number }
  | { k: 'raw'; v: string | number | boolean | bigint | null | undefined }
  | { k: 'junk'; tag: JunkTag }
  | { k: 'opts'; fields: Record<string, Spec | undefined> }
  | { k: 'list'; items: Spec[] }
  /** The very same value as argument `ref` (aliasing an output with an input). */
  | { k: 'same'; ref: number }
  /**
   * A typed array over argument `ref`'s buffer (a Float32Array of the same length unless `type`/`len`
   * say otherwise), shifted by `shift` 4-byte steps from ref's view (partial overlap; a gradient over
   * the labels that index it). Clamped to the buffer, so give ref `room` when `len` is larger.
   */
  | { k: 'overlap'; ref: number; shift: number; type?: ElementKind; len?: number }
  | { k: 'rng'; seed: number }
  /** An nn.LabelTree over `classes` classes: balanced, or a chain (depth classes − 1, from fromParents). */
  | { k: 'tree'; classes: number; shape: 'balanced' | 'chain' };

export type JunkTag = 'object' | 'array' | 'function' | 'symbol' | 'date' | 'arraybuffer' | 'proxy' | 'dataview' | 'frozen' | 'getterThrows' | 'ownKeys';

// --- generators -----------------------------------------------------------------------------

/** Numbers that break careless size and parameter checks. */
export const HOSTILE_NUMBERS = [
  Number.NaN, Infinity, -Infinity, -1, -0, 0.5, 1.5, -2147483648, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1,
  2 ** 53, 2 ** 53 + 2, 1e300, -1e300, Number.MIN_VALUE, Number.EPSILON, 3.4e38, 3.5e38, 1e-45,
];

/** An object with Object.prototype's names as own keys (a parsed document can have them). */
export const HOSTILE_OBJECT = (): unknown => JSON.parse('{"constructor": {"name": {"toString": 1}}, "toString": 1, "valueOf": 1, "__proto__": {"data": 1}}');

export const hostileNumber: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS).map((v): Spec => ({ k: 'num', v })) },
  { weight: 1, arbitrary: fc.double().map((v): Spec => ({ k: 'num', v })) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 70 }).map((v): Spec => ({ k: 'num', v })) },
);

export const hostileRaw: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom<Spec['k'] extends never ? never : Spec>(
    { k: 'raw', v: undefined }, { k: 'raw', v: null }, { k: 'raw', v: true }, { k: 'raw', v: false },
    { k: 'raw', v: '' }, { k: 'raw', v: '3' }, { k: 'raw', v: 'avx2' }, { k: 'raw', v: 'normal' }, { k: 'raw', v: 'x'.repeat(300) },
    { k: 'raw', v: 3n }, { k: 'raw', v: -1n }, { k: 'raw', v: 2n ** 70n },
  ),
  fc.constantFrom<JunkTag>('object', 'array', 'function', 'symbol', 'date', 'arraybuffer', 'proxy', 'dataview', 'frozen', 'getterThrows', 'ownKeys')
    .map((tag): Spec => ({ k: 'junk', tag })),
);

export function arraySpec(type: ElementKind, len: number, opts: Partial<ArraySpec> = {}): ArraySpec {
  return { k: 'array', type, len, offset: 1, shared: false, detached: false, ro: false, fill: 'data', ...opts };
}

/** A valid, guarded array of `len` elements, with a random byteOffset and backing buffer kind. */
export function arrayArb(type: ElementKind, len: number, ro: boolean, fill: fc.Arbitrary<Fill> = fc.constant('data')): fc.Arbitrary<ArraySpec> {
  return fc.record({ offset: fc.integer({ min: 0, max: 9 }), shared: fc.boolean(), fill }).map(
    (r): ArraySpec => arraySpec(type, len, { ...r, ro }));
}

/** A valid Matrix spec of the given shape. */
export function matrixArb(rows: number, cols: number, ro: boolean, fill?: fc.Arbitrary<Fill>): fc.Arbitrary<Spec> {
  return arrayArb('f32', rows * cols, ro, fill).map((data): Spec => ({ k: 'matrix', data, rows: num(rows), cols: num(cols) }));
}

export const num = (v: number): Spec => ({ k: 'num', v });
export const raw = (v: string | number | boolean | bigint | null | undefined): Spec => ({ k: 'raw', v });
export const opts = (fields: Record<string, Spec | undefined>): Spec => ({ k: 'opts', fields });

/** Input values worth checking besides ordinary data. */
export const edgeFill: fc.Arbitrary<Fill> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Fill>('data') },
  { weight: 1, arbitrary: fc.constantFrom<Fill>('zero', 'nan', 'inf', 'denormal', 'huge') },
);

/** A broken version of a typed-array spec. */
function mutateArray(a: ArraySpec): fc.Arbitrary<Spec> {
  return fc.oneof(
    fc.constantFrom<Partial<ArraySpec>>(
      { len: a.len + 1 }, { len: Math.max(0, a.len - 1) }, { len: 0 }, { len: a.len * 2 + 3 },
      { detached: true }, { shared: !a.shared }, { offset: 3 },
      { type: a.type === 'f32' ? 'f64' : 'f32' }, { type: 'u8' }, { type: 'i32' },
      { fill: 'nan' }, { fill: 'inf' }, { fill: 'denormal' }, { fill: 'labels', max: 1000 },
      { fill: 'labels', max: (a.max ?? 3) + 1 }, { fill: 'labels', max: -2 }, { fill: 'huge' },
    ).map((change): Spec => ({ ...a, ...change })),
    hostileRaw, hostileNumber,
  );
}

/** A broken version of one argument (recursing into matrices and options). */
export function mutateSpec(spec: Spec, index: number): fc.Arbitrary<Spec> {
  switch (spec.k) {
    case 'array':
      return mutateArray(spec);
    case 'matrix':
      return fc.oneof(
        // lying rows/cols: the data no longer matches
        hostileNumber.map((rows): Spec => ({ ...spec, rows })),
        hostileNumber.map((cols): Spec => ({ ...spec, cols })),
        fc.constant<Spec>({ ...spec, rows: spec.cols, cols: spec.rows }),
        mutateArray(spec.data.k === 'array' ? spec.data : arraySpec('f32', 1)).map((data): Spec => ({ ...spec, data })),
        fc.constant<Spec>({ ...spec, extra: true }),
        fc.constant<Spec>({ k: 'opts', fields: { data: spec.data, rows: spec.rows } }),
        hostileRaw,
        spec.data.k === 'array' ? fc.constant<Spec>(spec.data) : hostileRaw, // a bare array where a Matrix is expected
      );
    case 'opts': {
      const keys = Object.keys(spec.fields);
      const field = fc.oneof(fc.constantFrom(...(keys.length ? keys : ['x'])), fc.constant('unknownOption'));
      return fc.oneof(
        { weight: 4, arbitrary: fc.tuple(field, fc.oneof(hostileNumber, hostileRaw)).map(([key, value]): Spec => ({ k: 'opts', fields: { ...spec.fields, [key]: value } })) },
        {
          weight: keys.length ? 3 : 0,
          arbitrary: fc.constantFrom(...(keys.length ? keys : ['x'])).chain((key) => {
            const inner = spec.fields[key];
            return inner ? mutateSpec(inner, index).map((m): Spec => ({ k: 'opts', fields: { ...spec.fields, [key]: m } })) : fc.constant(spec);
          }),
        },
        { weight: 1, arbitrary: hostileRaw },
      );
    }
    case 'list':
      return fc.oneof(
        spec.items.length ? fc.nat(spec.items.length - 1).chain((i) => mutateSpec(spec.items[i]!, index).map((m): Spec => ({ k: 'list', items: spec.items.map((x, j) => (j === i ? m : x)) }))) : hostileRaw,
        fc.constant<Spec>({ k: 'list', items: [] }),
        hostileRaw,
      );
    case 'num':
      return fc.oneof({ weight: 3, arbitrary: hostileNumber }, { weight: 1, arbitrary: hostileRaw });
    case 'rng':
      return hostileRaw;
    case 'tree':
      // another valid tree (its size no longer matches V and the labels), or not a tree at all
      return fc.oneof(fc.integer({ min: 1, max: 12 }).map((classes): Spec => ({ ...spec, classes })), hostileRaw);
    default:
      return fc.oneof(hostileNumber, hostileRaw);
  }
}

export interface Call {
  specs: Spec[];
  /** How the call was broken; '' for a valid call that must succeed. */
  mutation: string;
}

/**
 * Valid calls (1 in 5) and calls with one or two broken arguments, an extra argument, a missing
 * one, or an output aliasing an input.
 */
export function callArb(valid: fc.Arbitrary<Spec[]>): fc.Arbitrary<Call> {
  const once = (call: Call): fc.Arbitrary<Call> => {
    const n = call.specs.length;
    const options: fc.WeightedArbitrary<Call>[] = [
      { weight: 1, arbitrary: fc.oneof(hostileNumber, hostileRaw).map((s) => ({ specs: [...call.specs, s], mutation: `${call.mutation}+extra` })) },
    ];
    if (n > 0) {
      options.push({
        weight: 8,
        arbitrary: fc.nat(n - 1).chain((i) => mutateSpec(call.specs[i]!, i).map((s) => ({
          specs: call.specs.map((x, j) => (j === i ? s : x)),
          mutation: `${call.mutation}+arg${i}`,
        }))),
      });
      options.push({ weight: 1, arbitrary: fc.constant({ specs: call.specs.slice(0, n - 1), mutation: `${call.mutation}+drop` }) });
      // an array argument replaced by (a shifted view of) an earlier array argument
      const arrays = call.specs.map((s, i) => (s.k === 'array' || s.k === 'matrix' ? i : -1)).filter((i) => i >= 0);
      if (arrays.length >= 2) {
        options.push({
          weight: 2,
          arbitrary: fc.tuple(fc.constantFrom(...arrays), fc.constantFrom(...arrays), fc.integer({ min: -2, max: 2 })).map(([a, b, shift]) => {
            const [ref, target] = a < b ? [a, b] : [b, a];
            if (ref === target) return call;
            const alias: Spec = shift === 0 ? { k: 'same', ref } : { k: 'overlap', ref, shift };
            const t = call.specs[target]!;
            const replaced: Spec = t.k === 'matrix' ? { ...t, data: alias } : alias;
            return { specs: call.specs.map((x, j) => (j === target ? replaced : x)), mutation: `${call.mutation}+alias${ref}>${target}` };
          }),
        });
      }
    }
    return fc.oneof(...options);
  };
  return valid.chain((specs) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<Call>({ specs, mutation: '' }) },
      { weight: 3, arbitrary: once({ specs, mutation: '' }) },
      { weight: 1, arbitrary: once({ specs, mutation: '' }).chain(once) },
    ),
  );
}

/** A caller's own exception (from a getter): nnkit must let it propagate, never crash. */
export class UserError extends Error {}

// --- materialization and guards -------------------------------------------------------------

const GUARD_BYTES = 64;
const CTORS = { f32: Float32Array, f64: Float64Array, u32: Uint32Array, i32: Int32Array, u16: Uint16Array, u8: Uint8Array };

function canary(i: number): number {
  return (i * 151 + 0x5b) & 0xff;
}

interface Guarded {
  buffer: ArrayBuffer | SharedArrayBuffer;
  bytes: Uint8Array;
  /** Byte ranges the callee may write. */
  ranges: [number, number][];
  /** Byte ranges that must stay as they were, with their content. */
  readonly: { start: number; copy: Uint8Array }[];
}

/** The values of one call, and the buffers to check after it. */
export class Materialized {
  values: unknown[] = [];
  guarded: Guarded[] = [];
  private byBuffer = new Map<unknown, Guarded>();

  constructor(readonly specs: Spec[]) {
    for (let i = 0; i < specs.length; i++) this.values.push(this.make(specs[i]!, i));
    // Inputs sharing a buffer with another argument may legitimately change (in-place use).
    const shared = new Set<Guarded>();
    const seen = new Map<Guarded, number>();
    for (const g of this.guarded) if (g.ranges.length > 1) shared.add(g);
    for (const g of this.guarded) seen.set(g, (seen.get(g) ?? 0) + 1);
    for (const g of this.guarded) if (shared.has(g)) g.readonly = [];
  }

  private make(spec: Spec, index: number): unknown {
    switch (spec.k) {
      case 'array':
        return this.array(spec);
      case 'matrix': {
        const m: Record<string, unknown> = { data: this.make(spec.data, index), rows: this.make(spec.rows, index), cols: this.make(spec.cols, index) };
        if (spec.extra) m.extra = 'ignored';
        return m;
      }
      case 'num':
        return spec.v;
      case 'raw':
        return spec.v;
      case 'junk':
        return junk(spec.tag);
      case 'opts': {
        const o: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(spec.fields)) if (value !== undefined) o[key] = this.make(value, index);
        return o;
      }
      case 'list':
        return spec.items.map((s) => this.make(s, index));
      case 'same': {
        // the same view twice: the callee may write it through the other argument (in place)
        const v = dataOrSelf(this.values[spec.ref]);
        const g = ArrayBuffer.isView(v) ? this.byBuffer.get(v.buffer) : undefined;
        if (g && ArrayBuffer.isView(v)) g.ranges.push([v.byteOffset, v.byteOffset + v.byteLength]);
        return v;
      }
      case 'overlap': {
        const v = dataOrSelf(this.values[spec.ref]);
        if (!ArrayBuffer.isView(v) || v instanceof DataView || v.byteLength === 0) return v;
        const g = this.byBuffer.get(v.buffer);
        if (!g) return v; // not one of ours (a proxy's data): plain aliasing
        const type = spec.type ?? 'f32';
        const Ctor = CTORS[type];
        const size = Ctor.BYTES_PER_ELEMENT;
        const len = Math.min(spec.len ?? v.byteLength / size, Math.floor(g.bytes.length / size));
        let start = Math.max(0, Math.min(v.byteOffset + spec.shift * 4, g.bytes.length - len * size));
        start -= start % size;
        const view = new Ctor(v.buffer as ArrayBuffer, start, len);
        g.ranges.push([start, start + len * size]);
        return view;
      }
      case 'rng':
        return new nn.Rng(spec.seed);
      case 'tree':
        return spec.shape === 'balanced' ? nn.LabelTree.balanced(spec.classes) : nn.LabelTree.fromParents(chainParents(spec.classes), spec.classes);
    }
  }

  private array(spec: ArraySpec): ArrayBufferView {
    const Ctor = CTORS[spec.type];
    const size = Ctor.BYTES_PER_ELEMENT;
    const start = GUARD_BYTES + spec.offset * size;
    const total = start + spec.len * size + (spec.room ?? 0) + GUARD_BYTES;
    const buffer = spec.shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total);
    const bytes = new Uint8Array(buffer);
    for (let i = 0; i < total; i++) bytes[i] = canary(i);
    const view = new Ctor(buffer as ArrayBuffer, start, spec.len);
    fillView(view, spec);
    if (spec.detached) {
      if (spec.shared) return view; // a SharedArrayBuffer cannot be detached
      structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
      return view;
    }
    const g: Guarded = { buffer, bytes, ranges: [[start, start + spec.len * size]], readonly: [] };
    if (spec.ro) g.readonly.push({ start, copy: bytes.slice(start, start + spec.len * size) });
    this.guarded.push(g);
    this.byBuffer.set(buffer, g);
    return view;
  }

  /** Describes every canary byte or read-only input that changed; empty when none did. */
  checkGuards(): string[] {
    const problems: string[] = [];
    for (const [n, g] of this.guarded.entries()) {
      if (g.bytes.byteLength === 0) continue; // detached by the callee (transfer): nothing to check
      let bad = 0, first = -1;
      for (let i = 0; i < g.bytes.length; i++) {
        if (g.ranges.some(([s, e]) => i >= s && i < e)) continue;
        if (g.bytes[i] !== canary(i)) {
          bad++;
          if (first < 0) first = i;
        }
      }
      if (bad) problems.push(`buffer ${n}: ${bad} canary bytes overwritten, first at byte ${first} (view ${JSON.stringify(g.ranges)})`);
      for (const r of g.readonly) {
        const now = g.bytes.subarray(r.start, r.start + r.copy.length);
        for (let i = 0; i < now.length; i++)
          if (now[i] !== r.copy[i]) {
            problems.push(`buffer ${n}: read-only input modified at byte ${r.start + i}`);
            break;
          }
      }
    }
    return problems;
  }
}

/** Parent ids of a caterpillar tree: internal node c + j has class j and node c + j + 1 as children. */
export function chainParents(c: number): number[] {
  if (c === 1) return [-1];
  const parents: number[] = [];
  for (let j = 0; j < c; j++) parents.push(c + Math.min(j, c - 2));
  for (let j = 0; j < c - 1; j++) parents.push(j === 0 ? -1 : c + j - 1);
  return parents;
}

/** The storage of a matrix-like argument, or the argument itself (hostile getters included). */
function dataOrSelf(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
  try {
    return 'data' in v ? (v as { data: unknown }).data : v;
  } catch {
    return v;
  }
}

function fillView(view: ArrayBufferView, spec: ArraySpec): void {
  const a = view as unknown as { length: number; [i: number]: number };
  let s = (spec.len * 2654435761 + spec.offset + 1) >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = (s >>> 8) / 16777216;
    if (spec.fill === 'values') {
      const v = spec.values ?? [];
      a[i] = v.length ? v[i % v.length]! : 0;
      continue;
    }
    if (spec.type !== 'f32' && spec.type !== 'f64') {
      a[i] = spec.fill === 'labels' ? Math.floor(u * ((spec.max ?? 3) + 1)) : spec.fill === 'huge' ? 2 ** 31 - 1 - (i % 3) : Math.floor(u * 4);
      continue;
    }
    switch (spec.fill) {
      case 'data': a[i] = 2 * u - 1; break;
      case 'zero': a[i] = 0; break;
      case 'nan': a[i] = i % 3 === 0 ? Number.NaN : 2 * u - 1; break;
      case 'inf': a[i] = i % 3 === 0 ? (i % 2 ? -Infinity : Infinity) : 2 * u - 1; break;
      case 'denormal': a[i] = (2 * u - 1) * 1e-40; break;
      case 'huge': a[i] = (2 * u - 1) * 3e38; break;
      case 'labels': a[i] = Math.floor(u * ((spec.max ?? 3) + 1)); break;
      case 'signs': a[i] = Math.floor(u * 3) - 1; break;
      case 'unit': a[i] = u; break;
      case 'offset': a[i] = 1e4 + (2 * u - 1) * 1e-2; break;
      case 'const': a[i] = 0.5; break;
    }
  }
}

function junk(tag: JunkTag): unknown {
  switch (tag) {
    case 'object': return {};
    case 'array': return [1, 2, 3];
    case 'function': return () => 1;
    case 'symbol': return Symbol('nnkit');
    case 'date': return new Date(0);
    case 'arraybuffer': return new ArrayBuffer(16);
    case 'dataview': return new DataView(new ArrayBuffer(16));
    case 'frozen': return Object.freeze({ data: new Float32Array(4), rows: 2, cols: 2 });
    case 'proxy':
      // A Matrix-shaped proxy whose answers change on every read: a time-of-check/time-of-use probe.
      {
        let reads = 0;
        const data = new Float32Array(4);
        return new Proxy({}, {
          get: (_t, key) => (key === 'data' ? data : key === 'rows' || key === 'cols' ? (reads++ % 2 ? 2 : 2 ** 20) : undefined),
          has: () => true,
        });
      }
    case 'getterThrows':
      return Object.defineProperty({}, 'data', { get() { throw new UserError('getter'); }, enumerable: true });
    case 'ownKeys':  // Object.prototype's names as own keys, as JSON.parse makes them
      return HOSTILE_OBJECT();
  }
}

/** A short human-readable rendering of a call's specs for failure messages. */
export function describeSpecs(specs: Spec[]): string {
  return JSON.stringify(specs, (_k, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v === undefined ? 'undefined' : v));
}
