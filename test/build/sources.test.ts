import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

/** The addon's sources in CMakeLists.txt: the NNKIT_*_SOURCES lists. */
function cmakeSources(): { avx2: string[]; avx512: string[]; neon: string[]; simd: string[]; all: string[] } {
  const text = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
  const list = (name: string) => {
    const m = new RegExp(`set\\(${name}\\s+([^)]*)\\)`).exec(text);
    if (!m) throw new Error(`no ${name} in CMakeLists.txt`);
    return m[1]!.replace(/#.*$/gm, '').split(/\s+/).filter((f) => f && f !== '""');
  };
  const avx2 = list('NNKIT_AVX2_SOURCES'), avx512 = list('NNKIT_AVX512_SOURCES'), neon = list('NNKIT_NEON_SOURCES');
  const simd = list('NNKIT_SIMD_SOURCES');
  expect(list('NNKIT_SIMD_TARGETS')).toEqual(['avx2', 'avx512', 'neon']);
  return { avx2, avx512, neon, simd, all: [...list('NNKIT_CORE_SOURCES'), ...avx2, ...avx512, ...neon, ...simd, ...list('NNKIT_BINDING_SOURCES')] };
}

/** The addon's sources in binding.gyp (a Python literal with # comments). */
function gypSources(): { avx2: string[]; avx512: string[]; neon: string[]; all: string[] } {
  const text = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, '');
  const gyp = JSON.parse(text) as { targets: { target_name: string; sources: string[] }[] };
  const sources = (name: string) => gyp.targets.find((t) => t.target_name === name)!.sources;
  const avx2 = sources('nnkit_avx2'), avx512 = sources('nnkit_avx512'), neon = sources('nnkit_neon');
  return { avx2, avx512, neon, all: [...new Set([...sources('nnkit'), ...avx2, ...avx512, ...neon])] };
}

describe('build descriptions', () => {
  it('CMakeLists.txt and binding.gyp compile the same sources, the vector-layer kernels once per target', () => {
    const cmake = cmakeSources(), gyp = gypSources();
    expect([...gyp.all].sort()).toEqual([...cmake.all].sort());
    expect([...gyp.avx2].sort()).toEqual([...cmake.avx2, ...cmake.simd].sort());
    expect([...gyp.avx512].sort()).toEqual([...cmake.avx512, ...cmake.simd].sort());
    expect([...gyp.neon].sort()).toEqual([...cmake.neon, ...cmake.simd].sort());
  });

  it('every native source file is built, and only SIMD files get SIMD flags', () => {
    const cmake = cmakeSources();
    const onDisk = ['kernels', 'linalg', 'binding'].flatMap((dir) =>
      fs.readdirSync(path.join(root, 'native', dir)).filter((f) => f.endsWith('.cc')).map((f) => `native/${dir}/${f}`));
    expect([...cmake.all].sort()).toEqual(onDisk.sort());
    for (const [suffix, files] of [['_avx2.cc', cmake.avx2], ['_avx512.cc', cmake.avx512], ['_neon.cc', cmake.neon], ['_simd.cc', cmake.simd]] as const) {
      expect(files.every((f) => f.endsWith(suffix)), suffix).toBe(true);
      expect(onDisk.filter((f) => f.endsWith(suffix)).sort()).toEqual([...files].sort());
    }
  });

  it('ships no -march=native and keeps N-API out of kernels, intrinsics and path choices out of the binding', () => {
    for (const file of ['CMakeLists.txt', 'binding.gyp']) expect(fs.readFileSync(path.join(root, file), 'utf8')).not.toMatch(/-march=native/);
    const read = (dir: string) => fs.readdirSync(path.join(root, 'native', dir)).map((f) => [f, fs.readFileSync(path.join(root, 'native', dir, f), 'utf8')] as const);
    for (const [f, text] of [...read('kernels'), ...read('linalg')]) expect(text, f).not.toMatch(/#include\s+[<"](napi|node_api)/);
    for (const [f, text] of read('binding')) expect(text, f).not.toMatch(/immintrin|_mm256_|_mm512_/);
    // The SIMD path is picked in one place, inside the kernels (active_simd_path when a kernel
    // runs); the binding only exposes nn.setSimd and backend() (runtime.cc).
    for (const [f, text] of read('binding').filter(([f]) => f !== 'runtime.cc')) expect(text, f).not.toMatch(/SimdPath|simd_path/);
  });

  // An inline function or template with external linkage that a SIMD unit compiles (from a shared
  // header, or a std:: template it instantiates) is a weak symbol: the linker keeps one copy for
  // every caller, and if it keeps the AVX-512 or AVX2 one, a narrower path executes it on a CPU
  // that lacks those instructions. So SIMD objects define no weak symbols at all (each vector
  // target's copy of the *_simd.cc kernels included). Checked on the objects of the cmake build
  // (present after `npm run compile`).
  const objectDir = (lib: string) => path.join(root, 'build', 'CMakeFiles', `${lib}.dir`, 'native', 'kernels');
  it.runIf(fs.existsSync(objectDir('nnkit_core')))('no SIMD object defines a weak symbol', () => {
    const objects = (lib: string) =>
      fs.readdirSync(objectDir(lib)).filter((f) => f.endsWith('.o')).map((f) => path.join(objectDir(lib), f));
    const weak = (file: string) =>
      execFileSync('nm', ['--defined-only', file], { encoding: 'utf8' })
        .split('\n').map((line) => line.trim().split(/\s+/)).filter((f) => f.length === 3 && /^[WVu]$/.test(f[1]!))
        .map((f) => f[2]!).filter((name) => !name.startsWith('DW.ref.'));
    const simd = [...objects('nnkit_avx2'), ...objects('nnkit_avx512'), ...objects('nnkit_neon')];
    expect(simd.length).toBeGreaterThan(0);
    expect(objects('nnkit_core').flatMap(weak).length).toBeGreaterThan(0);  // the check can see weak symbols
    expect(simd.flatMap((f) => weak(f).map((name) => `${path.basename(f)}: ${name}`))).toEqual([]);
  });
});
