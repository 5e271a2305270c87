/**
 * The benchmark suite's vocabulary. A workload is one named job that nnkit and its peers do on
 * the same data; the runner times them alternately, sample by sample, and reports medians.
 */

/** A peer run in the persistent Python process (Debian's /usr/bin/python3). */
export interface PythonPeer {
  /** Column name in the table: 'numpy', 'torch', 'sklearn'. */
  name: string;
  /** Task registered in bench/peers/tasks_*.py, e.g. 'numpy.sgemm'. */
  task: string;
  /** JSON arguments passed to the task's setup. */
  args?: Record<string, unknown>;
}

/** A peer run in this Node process (TensorFlow.js, ml-pca, …). */
export interface NodePeer {
  name: string;
  /** Prepares data and returns the timed function; throw to skip with the message. */
  setup(): (() => unknown) | Promise<() => unknown>;
}

export type Peer = PythonPeer | NodePeer;

export interface Workload {
  /** Unique name, shown in the table: 'sgemm 2048³'. */
  name: string;
  /** Area for grouping: 'linalg', 'rng', 'loss', … */
  area: string;
  /** Included in `npm run bench -- --quick` (the quick run must finish in under 2 minutes). */
  quick?: boolean;
  /** Floating-point operations of one call, to report GFLOPS next to the time. */
  flops?: number;
  /** Calls per timed sample (for microsecond-scale work); medians are reported per call. */
  inner?: number;
  /** Timed samples (default 7; 3 in quick mode). */
  repeats?: number;
  /** Prepares data and returns the function to time (sync or async). */
  setup(): (() => unknown) | Promise<() => unknown>;
  /** Called after the workload to release memory or restore settings. */
  teardown?(): void;
  /** Peers doing the same job. */
  peers?: Peer[];
  /** What the issue asks for, e.g. '≥ 95% of numpy'; printed beside the ratio. */
  target?: string;
}

export function isPythonPeer(peer: Peer): peer is PythonPeer {
  return 'task' in peer;
}
