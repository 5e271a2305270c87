import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

describe('types follow the options (issue 17)', () => {
  it('README-style programs compile under --strict with no needless | null (test/types/strict-program.ts)', () => {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--module', 'preserve',
      '--moduleResolution', 'bundler', '--types', 'node', '--skipLibCheck', path.join(__dirname, 'strict-program.ts')];
    let output = '';
    try {
      execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
  }, 60_000);
});
