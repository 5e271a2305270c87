import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { lcg } from './loss/support';

describe('nn.gradcheck', () => {
  it('passes a correct gradient and reports the notes\' relative error', () => {
    const x = lcg(10, 1, -2, 2);
    const f = (v: Float32Array) => v.reduce((a, t) => a + t * t * t, 0);  // ∂/∂x = 3x²
    const g = x.map((t) => 3 * t * t);
    const r = nn.gradcheck(f, x, g);
    expect(r.passed).toBe(true);
    expect(r.checked).toBe(10);
    expect(r.maxRelError).toBeLessThan(1e-3);
    expect(Array.from(x)).toEqual(Array.from(lcg(10, 1, -2, 2)));  // x restored
  });

  it('catches a wrong coordinate and reports it first', () => {
    const x = lcg(8, 2, -2, 2);
    const g = x.map((t) => 2 * t);
    g[5] = g[5]! * 1.5 + 0.1;
    const r = nn.gradcheck((v) => v.reduce((a, t) => a + t * t, 0), x, g);
    expect(r.passed).toBe(false);
    expect(r.worst[0]!.index).toBe(5);
    const { analytic, numeric, relError } = r.worst[0]!;
    expect(relError).toBeCloseTo(Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric)), 12);
    expect(numeric).toBeCloseTo(2 * x[5]!, 2);
  });

  it('limits the checks with maxChecks and validates its arguments', () => {
    const x = lcg(100, 3);
    const r = nn.gradcheck((v) => v[0]! + 2 * v[99]!, x, new Float32Array(100).fill(0).map((_, i) => (i === 0 ? 1 : i === 99 ? 2 : 0)), { maxChecks: 10 });
    expect(r.checked).toBe(10);
    expect(r.passed).toBe(true);
    expect(() => nn.gradcheck((v) => v[0]!, x, new Float32Array(3))).toThrow(expect.objectContaining({ code: 'ERR_NNKIT_SHAPE' }));
    expect(() => nn.gradcheck((v) => v[0]!, x, x, { h: 0 })).toThrow(RangeError);
    expect(() => nn.gradcheck('f' as unknown as () => number, x, x)).toThrow(TypeError);
  });
});
