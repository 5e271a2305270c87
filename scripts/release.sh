#!/usr/bin/env bash
# The release (npm run release; CI runs it): the static prebuilds for linux-x64 and linux-arm64,
# each checked (scripts/check-prebuild.js), the package with both (npm pack), and a consumer test
# of that package installed as a user installs it, in fresh projects:
#   1. with its prebuilds: installs without compiling, loads from CommonJS, ESM and TypeScript,
#      and runs the smoke test of every area (scripts/smoke.js) on x64 and, under qemu-user, on
#      arm64, whose results must agree (random streams bit for bit);
#   2. from source (--build-from-source): compiles, loads, and leaves nothing of the build
#      outside the package's build/ folder.
#
#   scripts/release.sh [out-dir]       (default release/; the tarball is written there)
# Needs, besides the build tools: g++-aarch64-linux-gnu qemu-user, and the arm64 multiarch
# packages libc6:arm64 libstdc++6:arm64 libopenblas-dev:arm64 liblapacke-dev:arm64 (without the
# arm64 OpenBLAS it stops, unless NNKIT_RELEASE_ARM64_BUILTIN=1 accepts a prebuild with nnkit's
# built-in kernels only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/release}" && cd "${1:-$root/release}" && pwd)
cd "$root"
step() { printf '\n--- release: %s\n' "$*"; }
c1='' c2=''
trap 'rm -rf "$c1" "$c2"' EXIT

if [ ! -e /usr/lib/aarch64-linux-gnu/pkgconfig/openblas.pc ] && [ "${NNKIT_RELEASE_ARM64_BUILTIN:-}" != 1 ]; then
  echo "release.sh: no arm64 OpenBLAS (dpkg --add-architecture arm64 && apt-get update && apt-get install libopenblas-dev:arm64 liblapacke-dev:arm64), so the arm64 prebuild would lack it; NNKIT_RELEASE_ARM64_BUILTIN=1 accepts that" >&2
  exit 1
fi

step "prebuilds"
rm -rf prebuilds
scripts/prebuild.sh x64
scripts/arm64-node.sh >/dev/null
scripts/prebuild.sh arm64

step "npm pack"
rm -f "$out"/nnkit-*.tgz
pack=$(npm pack --pack-destination "$out" --json)
tarball="$out/$(node -e 'const [p] = JSON.parse(process.argv[1]); process.stdout.write(p.filename)' "$pack")"
node -e '
const [p] = JSON.parse(process.argv[1]);
const prebuilds = p.files.filter((f) => f.path.startsWith("prebuilds/")).map((f) => `${f.path} ${(f.size / 2 ** 20).toFixed(1)} MiB`);
console.log(`${p.filename}: ${(p.size / 1e6).toFixed(1)} MB packed, ${(p.unpackedSize / 1e6).toFixed(1)} MB unpacked, ${p.entryCount} files`);
console.log(`  ${prebuilds.join("\n  ")}`);
for (const arch of ["x64", "arm64"]) if (!prebuilds.some((f) => f.startsWith(`prebuilds/linux-${arch}/`))) { console.error(`no linux-${arch} prebuild in the package`); process.exit(1); }' "$pack"

consumer() {  # a fresh project that depends on nothing but the tarball
  local dir
  dir=$(mktemp -d)
  (cd "$dir" && npm init -y >/dev/null)
  echo "$dir"
}

step "consumer 1: install with the prebuilds"
c1=$(consumer)
start=$SECONDS
(cd "$c1" && npm install --no-audit --no-fund --loglevel=error "$tarball")
echo "installed in $((SECONDS - start)) s"
pkg="$c1/node_modules/nnkit"
if [ -e "$pkg/build" ]; then echo "the install compiled the addon although the package has a prebuild" >&2; exit 1; fi
(cd "$c1" && node -e "const nn = require('nnkit'); console.log('require:', nn.backend().simd, nn.backend().blas)" \
  && node --input-type=module -e "import * as nn from 'nnkit'; console.log('import:', nn.backend().simd)")
cat > "$c1/check.ts" <<'TS'
import * as nn from 'nnkit';
const X: nn.Matrix = nn.matrix(4, 3);
new nn.Rng(1).normal(X);
const scaler: nn.Standardizer = new nn.Standardizer().fit(X);
const Y: nn.Matrix = scaler.transform(X);
console.log('typescript:', Y.rows, Y.cols);
TS
(cd "$c1" && node "$root/node_modules/typescript/bin/tsc" --strict --noEmit --module nodenext --moduleResolution nodenext --types node --typeRoots "$root/node_modules/@types" check.ts && echo "typescript: check.ts compiles under --strict")
# Parquet and Arrow readers are optional peer dependencies: without them, a clear coded error.
(cd "$c1" && printf 'PAR1' > x.parquet && node -e "
  const nn = require('nnkit');
  (async () => {
    for await (const b of nn.io.rows('x.parquet')) void b;
    throw new Error('read a .parquet file without hyparquet');
  })().then(() => process.exit(1), (e) => {
    if (e.code !== 'ERR_NNKIT_DEPENDENCY' || !(e instanceof nn.NnkitTypeError)) { console.error(e); process.exit(1); }
    console.log('optional dependency: a .parquet file without hyparquet gives', e.code);
  });")
node scripts/smoke.js "$pkg" > "$c1/smoke-x64.json"
node scripts/smoke.js --arch arm64 "$pkg" > "$c1/smoke-arm64.json"
node scripts/smoke.js --compare "$c1/smoke-x64.json" "$c1/smoke-arm64.json"

step "consumer 2: install from source"
c2=$(consumer)
start=$SECONDS
(cd "$c2" && npm install --no-audit --no-fund --loglevel=error --build-from-source "$tarball")
echo "compiled and installed in $((SECONDS - start)) s"
(cd "$c2" && node -e "console.log('from source:', JSON.stringify(require('nnkit').backend()))")
# Everything in the installed package is either shipped or the build's own folder.
shipped=$(cd "$c1/node_modules/nnkit" && find . -mindepth 1 -maxdepth 1 | sort)
built=$(cd "$c2/node_modules/nnkit" && find . -mindepth 1 -maxdepth 1 ! -name build | sort)
if [ "$shipped" != "$built" ]; then
  echo "the from-source install left files outside build/:" >&2
  diff <(echo "$shipped") <(echo "$built") >&2 || true
  exit 1
fi
echo "nothing of the build outside node_modules/nnkit/build"

step "ok: $tarball"
