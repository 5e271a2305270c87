/**
 * Argument checks shared by every API area. They run before any native call (cheap, with good
 * messages); the native layer re-checks sizes before it touches a pointer.
 * @internal
 */
import { ErrorCodes, rangeError, typeError } from './errors';

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

export function assertOptions(value: unknown, name: string): void {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value)))
    typeError(name, 'an options object or undefined', value);
}

export function assertOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string') typeError(name, allowed.map((a) => `'${a}'`).join(' or '), value);
  if (!(allowed as readonly string[]).includes(value)) rangeError(name, allowed.map((a) => `'${a}'`).join(' or '), value);
}
