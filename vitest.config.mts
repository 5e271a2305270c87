import { defineConfig } from 'vitest/config';

// vitest 5's default reporter calls Map.groupBy (Node ≥ 21) when it prints a failure; on Node 20
// it would crash instead of showing the failing test. This file runs in vitest's main process,
// where the reporter lives.
const MapWithGroupBy = Map as unknown as { groupBy?: <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => Map<K, T[]> };
if (typeof MapWithGroupBy.groupBy !== 'function') {
  MapWithGroupBy.groupBy = <K, T>(items: Iterable<T>, key: (item: T, index: number) => K) => {
    const groups = new Map<K, T[]>();
    let index = 0;
    for (const item of items) {
      const k = key(item, index++);
      const group = groups.get(k);
      if (group) group.push(item);
      else groups.set(k, [item]);
    }
    return groups;
  };
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Separate processes: a native addon is safest without worker_threads sharing one process,
    // and boundary tests may spawn children of their own.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
