import { describe, expect, it } from 'vitest';
import * as nn from '../lib/index';
import { expectCoded } from './helpers';

describe('nn.matrix', () => {
  it('wraps data without copying, including views with a byteOffset', () => {
    const buffer = new ArrayBuffer(4 * 10);
    const view = new Float32Array(buffer, 8, 6);
    const m = nn.matrix(view, 2, 3);
    expect(m.data).toBe(view);
    m.data[0] = 5;
    expect(new Float32Array(buffer)[2]).toBe(5);
  });

  it('allocates zeroed storage', () => {
    const m = nn.matrix(3, 4);
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(4);
    expect(m.data.length).toBe(12);
    expect(m.data.every((v) => v === 0)).toBe(true);
    expect(nn.matrix(0, 5).data.length).toBe(0);
  });

  it('rejects bad shapes and types with coded errors', () => {
    expectCoded(() => nn.matrix(new Float32Array(5), 2, 3), 'ERR_NNKIT_SHAPE');
    expectCoded(() => nn.matrix(-1, 3), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.matrix(2.5, 3), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.matrix(Number.NaN, 3), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.matrix('3' as unknown as number, 3), 'ERR_NNKIT_TYPE', TypeError);
    expectCoded(() => nn.matrix(new Float64Array(6) as unknown as Float32Array, 2, 3), 'ERR_NNKIT_TYPE', TypeError);
    const e = expectCoded(() => nn.matrix(new Float32Array(5), 2, 3), 'ERR_NNKIT_SHAPE');
    expect(e.message).toMatch(/^Expected .* for data but received a Float32Array of length 5$/);
    expect((e as { argument?: string }).argument).toBe('data');
  });

  it('rejects a detached buffer', () => {
    const data = new Float32Array(6);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expectCoded(() => nn.matrix(data, 2, 3), 'ERR_NNKIT_DETACHED', TypeError);
  });

  it('sharedMatrix allocates a zeroed matrix on a SharedArrayBuffer that async calls use in place', async () => {
    const X = nn.sharedMatrix(3, 4);
    expect(X.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([X.rows, X.cols, X.data.length]).toEqual([3, 4, 12]);
    expect(X.data.every((v) => v === 0)).toBe(true);
    X.data.set([-1, 2, -3, 4, 5, -6, 7, -8, 9, 0, -0.5, 0.5]);
    const out = nn.sharedMatrix(3, 4);
    const pending = nn.relu.forwardAsync(X, { out });
    await pending;
    expect(Array.from(out.data)).toEqual([0, 2, 0, 4, 5, 0, 7, 0, 9, 0, 0, 0.5]);
    expect(nn.sharedMatrix(0, 5).data.length).toBe(0);
    expectCoded(() => nn.sharedMatrix(-1, 3), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.sharedMatrix(2, 1.5), 'ERR_NNKIT_RANGE');
    expectCoded(() => nn.sharedMatrix('2' as unknown as number, 3), 'ERR_NNKIT_TYPE', TypeError);
  });
});
