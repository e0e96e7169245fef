#!/usr/bin/env bash
# Prepare, on the development machine, what run-device.sh needs on the device machine and that
# does not travel with the working tree (node_modules/ is ignored, the device has no network and
# perhaps no Node):
#
#   .gl/            Debian's Vulkan/EGL/GL loader packages (libvulkan1 …), unpacked there into /
#   .device/node/   node.xz (this machine's Node binary, xz-compressed) and node_modules.tar.xz
#                   (the node_modules files siren-step.ts loads, traced by running it, plus
#                   tsx/esbuild, the webgpu package with Dawn for linux-x64, tfjs-backend-webgpu
#                   and the tfjs-backend-wasm binaries)
#   .device/data/   images/astronaut.png (../shared/data does not travel)
#
# Both folders are ignored (.git/info/exclude, .gitignore) and are named in the run's carry:
#   run command="bash tests/bench/gpu/run-device.sh" carry=[".gl", ".device"] timeout_s=600
# The tool sends at most 64 MiB (working tree + carried folders); this script prints the sizes.
# It then checks the packed Node and node_modules in a scratch copy of the working tree.
#
#   bash tests/bench/gpu/pack.sh            (REPACK=1 to redo the Node binary and the loaders)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
[ "$(uname -m)" = x86_64 ] || { echo "pack.sh: this machine is $(uname -m); the device is x86-64, so its Node binary must be x86-64" >&2; exit 1; }
NODE=$(command -v node)
TMP=$(mktemp -d /tmp/inr-gpu-pack.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

for p in /.gl/ /.device/; do
  grep -qxF "$p" .git/info/exclude 2>/dev/null || echo "$p" >>.git/info/exclude
done

echo "== 1. Vulkan/GL loaders (.gl/)"
if [ "${REPACK:-0}" = 1 ] || ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  rm -rf .gl
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -q
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
ls -la .gl

echo "== 2. Node binary (.device/node/node.xz)"
mkdir -p .device/node .device/data/images
want="$("$NODE" --version) $(sha256sum "$NODE" | cut -c1-16)"
if [ "${REPACK:-0}" = 1 ] || [ ! -f .device/node/node.xz ] || [ "$(cat .device/node/NODE_VERSION 2>/dev/null)" != "$want" ]; then
  xz -T1 -6 -c "$NODE" >.device/node/node.xz.tmp
  mv .device/node/node.xz.tmp .device/node/node.xz
  echo "$want" >.device/node/NODE_VERSION
fi
echo "node $want from $NODE"

echo "== 3. sample image (.device/data/images/astronaut.png)"
SAMPLES=${INR_SAMPLE_DATA:-$ROOT/../shared/data}
cp "$SAMPLES/images/astronaut.png" .device/data/images/astronaut.png

echo "== 4. node_modules subset (.device/node/node_modules.tar.xz)"
# What siren-step.ts loads: one small run on wasm (the whole task path) and a probe of every
# backend (which loads the webgpu package and Dawn, though no adapter is found here).
TS=(node --import tsx --import ./tests/bench/gpu/trace-loads.mjs tests/bench/gpu/siren-step.ts)
TRACE_LOADS_OUT=$TMP/loads-run.txt "${TS[@]}" --backend wasm --size 16 --steps 2 --warmup 1 >/dev/null
TRACE_LOADS_OUT=$TMP/loads-probe.txt "${TS[@]}" --list-backends >/dev/null 2>&1 || true
{
  cat "$TMP/loads-run.txt" "$TMP/loads-probe.txt" | grep "^$ROOT/node_modules/" | sed "s|^$ROOT/||"
  # Loaded only where there is a GPU, spawned rather than required, or read as data:
  echo node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js
  echo node_modules/webgpu/index.js
  echo node_modules/webgpu/dist/linux-x64/dawn.node
  ls node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm
  find node_modules/tsx node_modules/esbuild node_modules/@esbuild/linux-x64 -type f
} | sort -u >"$TMP/files.txt"
# Every package.json from each file up to its package's root (Node reads "main", "type", "exports").
while read -r f; do
  d=$(dirname "$f")
  while [ "$(basename "$d")" != node_modules ] && [ "$d" != . ] && [ "$d" != / ]; do
    [ -f "$d/package.json" ] && echo "$d/package.json"
    d=$(dirname "$d")
  done
done <"$TMP/files.txt" | sort -u >"$TMP/pkgjson.txt"
sort -u "$TMP/files.txt" "$TMP/pkgjson.txt" >"$TMP/all.txt"
missing=0
while read -r f; do [ -e "$f" ] || { echo "missing: $f"; missing=1; }; done <"$TMP/all.txt"
[ "$missing" = 0 ] || { echo "pack.sh: files missing from node_modules (npm ci?)" >&2; exit 1; }
tar -cf - -T "$TMP/all.txt" | xz -T1 -6 >.device/node/node_modules.tar.xz
cp "$TMP/all.txt" .device/node/node_modules.files.txt
echo "$(wc -l <"$TMP/all.txt") files, $(du -cb $(cat "$TMP/all.txt") | tail -1 | cut -f1) bytes unpacked"

echo "== 5. check the packed Node and node_modules in a scratch copy of the working tree"
mkdir -p "$TMP/repo" "$TMP/bin"
git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$TMP/repo"
xz -dc .device/node/node.xz >"$TMP/bin/node" && chmod +x "$TMP/bin/node"
tar -xJf .device/node/node_modules.tar.xz -C "$TMP/repo"
cp -r .device "$TMP/repo/.device"
(
  cd "$TMP/repo"
  export PATH="$TMP/bin:$PATH" INR_SAMPLE_DATA="$TMP/repo/.device/data"
  [ "$(command -v node)" = "$TMP/bin/node" ]
  node --import tsx tests/bench/gpu/siren-step.ts --backend wasm --size 16 --steps 2 --warmup 1 --json "$TMP/check.json"
  node -e "import('@tensorflow/tfjs-backend-webgpu').then(() => import('webgpu')).then((m) => console.log('tfjs-backend-webgpu and webgpu (Dawn) load:', typeof m.create))"
  set +e
  node --import tsx tests/bench/gpu/siren-step.ts --backend webgpu --size 16 --steps 1 --warmup 1 2>&1 | grep -v '^ *at \|^Warning' ; echo "webgpu here: exit ${PIPESTATUS[0]} (2 = unavailable, expected without a GPU)"
)

echo "== sizes (the tool sends at most 64 MiB: working tree + carried folders)"
du -b .gl/*.deb .device/node/node.xz .device/node/node_modules.tar.xz .device/data/images/astronaut.png | awk '{printf "%10.2f MiB  %s\n", $1/1048576, $2}'
tree_bytes=$(git ls-files -z -co --exclude-standard | xargs -0 du -cb 2>/dev/null | awk '$2=="total"{s+=$1} END{print s+0}')
carry_bytes=$(du -cb .gl .device | tail -1 | cut -f1)
awk -v t="$tree_bytes" -v c="$carry_bytes" 'BEGIN{printf "%10.2f MiB  working tree (tracked + untracked, not ignored)\n%10.2f MiB  carried (.gl + .device)\n%10.2f MiB  in all (limit 64)\n", t/1048576, c/1048576, (t+c)/1048576; exit ((t+c) > 64*1048576)}'
