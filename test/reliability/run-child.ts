/** Runs a reliability child script under tsx and returns its last JSON line and exit status. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export interface ChildResult<T> {
  status: number | null;
  signal: string | null;
  report: T | undefined;
  stderr: string;
}

export function runChild<T>(script: string, nodeArgs: string[] = [], env: Record<string, string> = {}, timeout = 120_000): ChildResult<T> {
  const root = path.join(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', path.join('test', 'reliability', script)], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let report: T | undefined;
  try {
    report = JSON.parse(line) as T;
  } catch {
    report = undefined;
  }
  return { status: r.status, signal: r.signal, report, stderr: (r.stderr ?? '').slice(-3000) };
}
