/**
 * The loaded addon exports only its Node-API entry points (native/binding/exports.map). Before,
 * weak std:: template instances were exported and bound to node's own copies at load time, so
 * node's C++ runtime allocated what the addon's static libstdc++ freed (valgrind: "Mismatched
 * free() / delete").
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const addonPath = (require('node-gyp-build') as { path(dir: string): string }).path(root);

describe('addon symbol table', () => {
  // `nm -D` reads ELF; a Mach-O addon (macOS) exports the same two names through ld64's
  // -exported_symbol, checked below in the build files only.
  it.runIf(process.platform === 'linux')('defines no dynamic symbol but napi_register_module_v1 and node_api_module_get_api_version_v1', () => {
    const defined = execFileSync('nm', ['-D', '--defined-only', addonPath], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/)[2]).filter(Boolean).sort();
    expect(defined).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });

  it('the link flags carry the version script (GNU ld) and the exported names (Apple ld) in both build files', () => {
    expect(fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8')).toMatch(/--version-script=\$\{CMAKE_CURRENT_SOURCE_DIR\}\/native\/binding\/exports\.map/);
    expect(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8')).toMatch(/--version-script=<\(module_root_dir\)\/native\/binding\/exports\.map/);
    for (const file of ['CMakeLists.txt', 'binding.gyp']) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const name of ['napi_register_module_v1', 'node_api_module_get_api_version_v1']) expect(text, file).toContain(`-exported_symbol,_${name}`);
    }
  });
});
