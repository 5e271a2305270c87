/**
 * Misused arguments of the exported saved-document helpers (found by the boundary fuzzer): each is
 * a coded TypeError, never an uncoded one thrown while formatting a message (a Symbol key, a
 * proxy), nor a crash on a detached buffer.
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';

const typeErr = (code = 'ERR_NNKIT_TYPE') => expect.objectContaining({ code, name: expect.stringMatching(/TypeError/) });

describe('DocumentReader and encoders on misused arguments', () => {
  const doc = { format: 'nnkit.Test', version: 1, n: 3, f: nn.encodeFloat32(new Float32Array(2)) };
  const r = new nn.DocumentReader(doc, 'nnkit.Test', [1]);

  it('keys, bounds, options, allowed values, lengths and predicates of the wrong type are ERR_NNKIT_TYPE', () => {
    const sym = Symbol('k') as unknown as string;
    for (const fn of [
      () => r.raw(sym), () => r.integer(sym), () => r.number(sym), () => r.boolean(sym), () => r.nested(sym, 'x', [1]),
      () => r.array(sym, 3), () => r.float32(sym, 2), () => r.float64(sym, 2), () => r.dimension(sym),
      () => r.integer('n', null as unknown as object), () => r.number('n', Symbol('min') as unknown as number),
      () => r.oneOf('n', undefined as unknown as string[]), () => r.float32('f', Symbol('len') as unknown as number),
      () => r.check('f', new Float32Array(2), 'ok', 5 as unknown as () => boolean),
      () => new nn.DocumentReader(doc, 'nnkit.Test', [Symbol('v') as unknown as number]),
    ]) expect(fn).toThrow(typeErr());
    expect(r.integer('n', { min: 0, max: 5 })).toBe(3);
  });

  it('encodeFloat32/encodeFloat64 of a detached view are ERR_NNKIT_DETACHED', () => {
    for (const a of [new Float32Array(4), new Float64Array(4)]) {
      structuredClone(a.buffer, { transfer: [a.buffer] });
      expect(() => (a instanceof Float32Array ? nn.encodeFloat32(a) : nn.encodeFloat64(a as Float64Array))).toThrow(typeErr('ERR_NNKIT_DETACHED'));
    }
  });
});
