/**
 * Leaks: a million small calls (4×4 gemm with out, 16-float fills, error paths, async calls)
 * and a thousand large ones (1024×1024 gemm outputs, 4M-float fills, sync and async) leave RSS
 * and external memory flat, measured in a --expose-gc child after a warm-up and full GCs.
 *
 * Bounds: RSS may grow by at most 16 MB over the million small calls (a leak of 16 bytes per
 * call would reach it) and 64 MB over the thousand large ones (each allocates 4 to 16 MB, so a
 * single leaked buffer per call would be gigabytes); external memory by at most 1 MB.
 */
import { describe, expect, it } from 'vitest';
import { runChild } from './run-child';

interface LeakReport {
  smallCalls: number;
  largeCalls: number;
  rssGrowthSmallMB: number;
  rssGrowthLargeMB: number;
  externalGrowthMB: number;
  ms: number;
}

describe('leaks', () => {
  it('a million small and a thousand large calls leave RSS and external memory flat', () => {
    const r = runChild<LeakReport>('leak-child.ts', ['--expose-gc'], {}, 300_000);
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const m = r.report!;
    console.log(`leak check: ${m.smallCalls} small calls RSS ${m.rssGrowthSmallMB.toFixed(1)} MB, ${m.largeCalls} large calls RSS ` +
      `${m.rssGrowthLargeMB.toFixed(1)} MB, external ${m.externalGrowthMB.toFixed(3)} MB, ${m.ms} ms`);
    expect(m.smallCalls).toBeGreaterThanOrEqual(1_000_000);
    expect(m.largeCalls).toBeGreaterThanOrEqual(1000);
    expect(m.rssGrowthSmallMB).toBeLessThan(16);
    expect(m.rssGrowthLargeMB).toBeLessThan(64);
    expect(Math.abs(m.externalGrowthMB)).toBeLessThan(1);
  });
});
