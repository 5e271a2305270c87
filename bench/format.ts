/** Formatting shared by the benchmark runner and the README table (`bench/readme-table.ts`). */

/** One workload's samples, as `bench/results/*.json` stores them (seconds per call). */
export interface Result {
  name: string;
  area: string;
  target?: string;
  flops?: number;
  /** Calls per timed sample, the same for nnkit and every peer; times are per call. */
  inner?: number;
  nnkit: number[];
  peers: Record<string, number[] | { skipped: string }>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function formatSeconds(s: number): string {
  if (s >= 1) return `${s.toPrecision(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  return `${(s * 1e6).toPrecision(3)} µs`;
}

/** A time, with its GFLOPS when the workload counts flops. */
export function cell(seconds: number, flops?: number): string {
  return flops ? `${formatSeconds(seconds)} (${(flops / seconds / 1e9).toFixed(1)} GFLOPS)` : formatSeconds(seconds);
}
