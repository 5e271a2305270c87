import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

// What `npm pack` would put in the package (scripts skipped: no prepare run here).
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(pack!.files.map((f) => f.path));
}

describe('the package', () => {
  // node-gyp-build runs the check only when it has to compile; without the tools it must fail in
  // one line that says what to install.
  it('says in one line what to install when a from-source build has no compiler', () => {
    const script = path.join(root, 'scripts', 'check-toolchain.js');
    const bare = spawnSync(process.execPath, [script], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(bare.status).toBe(1);
    expect(bare.stderr.trim().split('\n')).toHaveLength(1);
    expect(bare.stderr).toMatch(/^nnkit: no prebuilt binary for .*compiling one needs a C\+\+ compiler, make, python3 \(.*build-essential.*\); then run npm rebuild nnkit/);
    const here = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(here.status).toBe(0);  // this machine builds the addon
    expect(here.stderr).toBe('');
  });

  it.runIf(fs.existsSync(path.join(root, 'dist', 'index.js')))(
    'ships a LICENSE, source maps whose sources are in it, and nothing of the tests or the build', () => {
      const files = packedFiles();
      expect(files.has('LICENSE')).toBe(true);
      expect(files.has('package.json') && files.has('binding.gyp') && files.has('CMakeLists.txt')).toBe(true);
      const maps = [...files].filter((f) => f.endsWith('.js.map'));
      expect(maps.length).toBeGreaterThan(0);
      const missing = maps.flatMap((map) => {
        const { sources } = JSON.parse(fs.readFileSync(path.join(root, map), 'utf8')) as { sources: string[] };
        return sources.map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(map), s))).filter((s) => !files.has(s));
      });
      expect(missing).toEqual([]);
      expect([...files].filter((f) => /^(native\/tests|test|bench|build|examples)\//.test(f))).toEqual([]);
    });

  it('builds its JavaScript on a git install (prepare) and its addon on any install', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; license: string };
    expect(pkg.scripts.prepare).toMatch(/compile:ts/);
    expect(pkg.scripts.install).toBe('node-gyp-build "node scripts/check-toolchain.js"');
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  // The release's consumer test (scripts/release.sh) compares the smoke results of x64 and arm64
  // with this comparer; it must catch a changed random stream and a result out of tolerance.
  it('has a smoke test whose comparison fails on a changed random stream or result', () => {
    const smoke = path.join(root, 'scripts', 'smoke.js');
    const out = execFileSync(process.execPath, [smoke, root], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const results = JSON.parse(out) as { exact: Record<string, string>; approx: Record<string, number[]> };
    expect(Object.keys(results.exact)).toEqual(expect.arrayContaining(['init.he 24×40', 'dropout mask bits']));
    expect(Object.keys(results.approx).length).toBeGreaterThan(40);
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'nnkit-smoke-'));
    const write = (name: string, r: unknown) => { fs.writeFileSync(path.join(dir, name), JSON.stringify(r)); return path.join(dir, name); };
    const a = write('a.json', results);
    const compare = (b: string) => spawnSync(process.execPath, [smoke, '--compare', a, b], { encoding: 'utf8' });
    expect(compare(write('same.json', results)).status).toBe(0);
    const bits = structuredClone(results);
    bits.exact['init.he 24×40'] = '0'.repeat(64);
    const failedBits = compare(write('bits.json', bits));
    expect(failedBits.status).toBe(1);
    expect(failedBits.stderr).toMatch(/init\.he 24×40: not bit-identical/);
    const values = structuredClone(results);
    const gemm = values.approx['gemm X·W']!;
    gemm[3] = gemm[3]! + 1e-3 * Math.max(...gemm.map(Math.abs));
    const failedValues = compare(write('values.json', values));
    expect(failedValues.status).toBe(1);
    expect(failedValues.stderr).toMatch(/gemm X·W: differs by 1\.00e-3/);
    fs.rmSync(dir, { recursive: true });
  });
});
