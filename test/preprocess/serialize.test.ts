import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { offsetData, rowSlice } from './reference';

function bits(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

/** JSON text round trip, as a file on disk would do it. */
function viaText(doc: object): unknown {
  return JSON.parse(JSON.stringify(doc));
}

function expectFormat(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e instanceof RangeError || e instanceof TypeError, String(e)).toBe(true);
    expect((e as { code?: string }).code, String(e)).toBe('ERR_NNKIT_FORMAT');
    return;
  }
  throw new Error('expected ERR_NNKIT_FORMAT');
}

describe('saved documents', () => {
  it('encode float arrays as little-endian base64, bit-exact, NaN payloads included', () => {
    const f32 = new Float32Array([1, -0, 3.4028234663852886e38, 1.401298464324817e-45, NaN, -Infinity]);
    const text = nn.encodeFloat32(f32);
    expect(Buffer.from(text, 'base64')).toEqual(Buffer.from([0, 0, 128, 63, 0, 0, 0, 128, 255, 255, 127, 127, 1, 0, 0, 0, 0, 0, 192, 127, 0, 0, 128, 255]));
    const reader = new nn.DocumentReader({ format: 'x', version: 1, a: text, b: nn.encodeFloat64(new Float64Array([Math.PI, -1e-300])) }, 'x', [1]);
    expect(bits(reader.float32('a', 6, false))).toBe(bits(f32));
    expect([...reader.float64('b', 2)]).toEqual([Math.PI, -1e-300]);
    expectFormat(() => reader.float32('a', 6));  // NaN/Infinity refused where finite values are required
  });

  it('DocumentReader reads own fields only: a missing constructor or __proto__ field is missing', () => {
    const reader = new nn.DocumentReader({ format: 'x', version: 1 }, 'x', [1]);
    expect(reader.raw('constructor')).toBeUndefined();
    expect(reader.raw('__proto__')).toBeUndefined();
    expect(() => reader.integer('toString')).toThrow(/received undefined/);
    const own = new nn.DocumentReader(JSON.parse('{"format": "x", "version": 1, "__proto__": 5, "constructor": 6}'), 'x', [1]);
    expect([own.integer('__proto__'), own.integer('constructor')]).toEqual([5, 6]);
  });

  it('Standardizer round trip is bit-exact and continues fitting identically', () => {
    for (const opts of [{}, { mode: 'scalar' as const, center: false }, { mode: 'channel' as const, channels: 3, eps: 0.5 }]) {
      const X = offsetData(200, 12, 3, 255);
      const s = new nn.Standardizer(opts).fit(rowSlice(X, 0, 120));
      const loaded = nn.Standardizer.fromJSON(viaText(s));
      expect(bits(loaded.mean)).toBe(bits(s.mean));
      expect(bits(loaded.std)).toBe(bits(s.std));
      expect([loaded.count, loaded.width, loaded.mode, loaded.channels, loaded.eps, loaded.center]).toEqual([s.count, s.width, s.mode, s.channels, s.eps, s.center]);
      expect(bits(loaded.transform(X).data)).toBe(bits(s.transform(X).data));
      s.partialFit(rowSlice(X, 120, 200));
      loaded.partialFit(rowSlice(X, 120, 200));
      expect(bits(loaded.std)).toBe(bits(s.std));
      // The JSON text itself is accepted too.
      expect(bits(nn.Standardizer.fromJSON(JSON.stringify(s)).mean)).toBe(bits(s.mean));
    }
    const unfitted = nn.Standardizer.fromJSON(viaText(new nn.Standardizer({ scale: false })));
    expect(unfitted.fitted).toBe(false);
    expect(unfitted.scale).toBe(false);
  });

  it('RangeScaler and Pipeline round trips are bit-exact', () => {
    const X = offsetData(100, 6, 8, -40);
    const r = new nn.RangeScaler({ range: [0, 255] }).fit(X);
    const r2 = nn.RangeScaler.fromJSON(viaText(r));
    expect(bits(r2.min)).toBe(bits(r.min));
    expect(bits(r2.max)).toBe(bits(r.max));
    expect(r2.range).toEqual([0, 255]);
    const p = new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler()]).fit(X);
    const p2 = nn.Pipeline.fromJSON(viaText(p));
    expect(bits(p2.transform(X).data)).toBe(bits(p.transform(X).data));
  });

  it('rejects wrong types, formats and versions', () => {
    const doc = viaText(new nn.Standardizer().fit(offsetData(10, 4, 1))) as Record<string, unknown>;
    expectFormat(() => nn.Standardizer.fromJSON(null));
    expectFormat(() => nn.Standardizer.fromJSON([doc]));
    expectFormat(() => nn.Standardizer.fromJSON('{ not json'));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, format: 'nnkit.RangeScaler' }));
    expectFormat(() => nn.RangeScaler.fromJSON(doc));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, version: 2 }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, version: '1' }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, center: 'yes' }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, eps: -1 }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, mode: 'pixel' }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, channels: 3 }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, count: 0 }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, count: 1.5 }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, mode: 'channel', channels: 3 }));  // width 4 not a multiple of 3
    const { mean: _mean, ...missing } = doc;
    expectFormat(() => nn.Standardizer.fromJSON(missing));
  });

  it('rejects truncated, padded, non-base64 and non-finite arrays', () => {
    const doc = viaText(new nn.Standardizer().fit(offsetData(10, 4, 1))) as Record<string, string>;
    const mean = doc.mean!;
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, mean: mean.slice(0, -4) }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, mean: `${mean}AAAA` }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, mean: `${mean.slice(0, -1)}!` }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, mean: Array.from({ length: 4 }, () => 1) as never }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, m2: nn.encodeFloat64(new Float64Array([1, 2, NaN, 4])) }));
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, m2: nn.encodeFloat64(new Float64Array([1, 2, -3, 4])) }));
    const r = viaText(new nn.RangeScaler().fit(offsetData(10, 4, 1))) as Record<string, string>;
    expectFormat(() => nn.RangeScaler.fromJSON({ ...r, min: r.max, max: r.min }));  // max < min
    expectFormat(() => nn.RangeScaler.fromJSON({ ...r, range: [1, 0] }));
  });

  it('rejects hostile declared sizes before allocating', () => {
    const doc = viaText(new nn.Standardizer().fit(offsetData(10, 4, 1))) as Record<string, unknown>;
    const e = (() => {
      try {
        nn.Standardizer.fromJSON({ ...doc, width: 1e12 });
      } catch (err) {
        return err as Error & { code: string };
      }
      return null;
    })();
    expect(e?.code).toBe('ERR_NNKIT_FORMAT');
    expect(e?.message).toMatch(/width/);
    // A width within limits but unbacked by the text fails on the base64 length, not on memory.
    expectFormat(() => nn.Standardizer.fromJSON({ ...doc, width: 2_000_000_000 }));
    expectFormat(() => nn.RangeScaler.fromJSON({ format: 'nnkit.RangeScaler', version: 1, range: [-1, 1], width: 2_147_483_647, count: 1, min: 'AAAA', max: 'AAAA' }));
    expectFormat(() => nn.Pipeline.fromJSON({ format: 'nnkit.Pipeline', version: 1, steps: new Array(5000).fill(doc) }));
  });

  it('never loads half a document: random damage either loads or fails with ERR_NNKIT_FORMAT', () => {
    const X = offsetData(30, 5, 2, 10);
    const docs = [
      viaText(new nn.Standardizer({ mode: 'channel', channels: 5 }).fit(X)),
      viaText(new nn.RangeScaler().fit(X)),
      viaText(new nn.Pipeline([new nn.Standardizer(), new nn.RangeScaler()]).fit(X)),
    ] as Record<string, unknown>[];
    const values = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(1e12), fc.constant(-1),
      fc.array(fc.integer(), { maxLength: 3 }), fc.base64String({ maxLength: 64 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.nat(), values, (which, keyIndex, value) => {
        const doc = structuredClone(docs[which]!);
        const keys = Object.keys(doc);
        doc[keys[keyIndex % keys.length]!] = value;
        const load = [nn.Standardizer.fromJSON, nn.RangeScaler.fromJSON, nn.Pipeline.fromJSON][which]!;
        try {
          load(doc);
        } catch (e) {
          expect(e instanceof RangeError || e instanceof TypeError, String(e)).toBe(true);
          expect((e as { code?: string }).code, String(e)).toBe('ERR_NNKIT_FORMAT');
        }
      }),
      { numRuns: 300 },
    );
  });
});
