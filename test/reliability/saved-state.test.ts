/**
 * Hostile saved documents: every fromJSON on main (Standardizer, RangeScaler, PCA, BatchNorm, Pipeline) rejects wrong versions, truncated or
 * mismatched base64, huge declared sizes, wrong types and non-JSON with a coded error, and
 * never crashes or allocates by a declared size before checking it against the data.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';

const X = nn.matrix(new Float32Array([1, 2, 3, 4, 5, 7, 2, 2, 9]), 3, 3);

const documents: [string, () => Record<string, unknown>, (doc: unknown) => unknown][] = [
  ['Standardizer', () => new nn.Standardizer().fit(X).toJSON() as unknown as Record<string, unknown>, (d) => nn.Standardizer.fromJSON(d)],
  ['RangeScaler', () => new nn.RangeScaler().fit(X).toJSON() as unknown as Record<string, unknown>, (d) => nn.RangeScaler.fromJSON(d)],
  ['BatchNorm', () => new nn.BatchNorm(3).toJSON() as unknown as Record<string, unknown>, (d) => nn.BatchNorm.fromJSON(d)],
  ['PCA', () => new nn.PCA({ components: 2 }).fit(X).toJSON() as unknown as Record<string, unknown>, (d) => nn.PCA.fromJSON(d)],
  ['Pipeline', () => new nn.Pipeline([new nn.Standardizer()]).fit(X).toJSON() as unknown as Record<string, unknown>, (d) => nn.Pipeline.fromJSON(d)],
];

/** Ways to break a document: each keeps the rest intact. */
function corruptions(doc: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [
    ['not JSON', '{"format": '],
    ['null', null],
    ['an array', [doc]],
    ['wrong format', { ...doc, format: 'nnkit.Other' }],
    ['wrong version', { ...doc, version: 999 }],
    ['version as string', { ...doc, version: '1' }],
  ];
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'format' || key === 'version') continue;
    if (typeof value === 'string' && /^[A-Za-z0-9+/=]*$/.test(value) && value.length >= 8) {
      out.push([`${key} truncated`, { ...doc, [key]: value.slice(0, value.length - 6) }]);
      out.push([`${key} not base64`, { ...doc, [key]: `${value.slice(0, 4)}!!${value.slice(6)}` }]);
      out.push([`${key} one element longer`, { ...doc, [key]: Buffer.concat([Buffer.from(value, 'base64'), Buffer.alloc(8)]).toString('base64') }]);
    }
    if (typeof value === 'number') {
      for (const bad of [2 ** 31, 2 ** 53, -1, 0.5, Number.NaN, 1e308]) out.push([`${key} = ${bad}`, { ...doc, [key]: bad }]);
    }
    out.push([`${key} missing`, Object.fromEntries(Object.entries(doc).filter(([k]) => k !== key))]);
    out.push([`${key} an object`, { ...doc, [key]: { length: 2 ** 40 } }]);
  }
  return out;
}

describe('saved state: hostile documents', () => {
  for (const [name, make, load] of documents) {
    it(`${name}.fromJSON rejects corrupt, truncated, wrong-version and huge documents with a code`, () => {
      const doc = make();
      expect(() => load(JSON.parse(JSON.stringify(doc)))).not.toThrow(); // the intact document loads
      let rejected = 0;
      const accepted: string[] = [];
      for (const [what, bad] of corruptions(doc)) {
        const before = process.memoryUsage().arrayBuffers;
        try {
          load(bad);
          accepted.push(what);
        } catch (e) {
          expect(e instanceof TypeError || e instanceof RangeError, `${name} ${what}: ${String(e)}`).toBe(true);
          expect(Object.values(nn.ErrorCodes).filter((c) => c !== nn.ErrorCodes.INTERNAL), `${name} ${what}: ${String(e)}`).toContain((e as { code?: string }).code);
          rejected++;
        }
        // nothing large was allocated on the strength of a declared size
        expect(process.memoryUsage().arrayBuffers - before, `${name} ${what}`).toBeLessThan(64 << 20);
      }
      // Only changes that leave a valid document may load (e.g. a numeric option still in range).
      for (const what of accepted) expect(what, `${name} accepted "${what}"`).toMatch(/ = (0\.5|1e\+308|2147483648|9007199254740992)$|missing$/);
      expect(rejected).toBeGreaterThan(6); // Pipeline documents have few top-level fields (steps are nested)
    });
  }
});
