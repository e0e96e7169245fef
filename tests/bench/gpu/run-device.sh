#!/usr/bin/env bash
# Issue #6's GPU measurement in one command, on the device machine (an NVIDIA GPU, no network):
# the project's SIREN 3×256 step, full batch on 512² RGB (astronaut.png), on WebGPU through Dawn
# (tests/bench/gpu/siren-step.ts), and the PyTorch reference on the same GPU
# (tests/bench/gpu/siren_step.py), then the ratio (summarize.py).
#
# Prepare on the development machine first: bash tests/bench/gpu/pack.sh   (fills .gl/ and .device/)
# Then, through the device tool:  run  command="bash tests/bench/gpu/run-device.sh"
#                                      carry=[".gl", ".device"]  timeout_s=600
# (docs/BENCHMARKS.md, "GPU: WebGPU vs PyTorch SIREN step").
#
# Writes under $OUT (./bench-results/gpu when unset): log.txt, backends.json, torch.json,
# webgpu-task.json, webgpu-bare.json, summary.json.
#
# Knobs (environment): SIZE (512), STEPS (2000), WARMUP (20), TORCH_MAX_SECONDS (30, per PyTorch
# configuration), WEBGPU_MAX_SECONDS (150, the project loop), BARE_MAX_SECONDS (90),
# SKIP_TORCH=1, SKIP_BARE=1. The caps keep the whole run inside the tool's 600 s per command; a
# capped run reports the steps it timed, and seconds per step stay comparable.
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/bench-results/gpu}
mkdir -p "$OUT"
SIZE=${SIZE:-512}
STEPS=${STEPS:-2000}
WARMUP=${WARMUP:-20}
TORCH_MAX_SECONDS=${TORCH_MAX_SECONDS:-30}
WEBGPU_MAX_SECONDS=${WEBGPU_MAX_SECONDS:-150}
BARE_MAX_SECONDS=${BARE_MAX_SECONDS:-90}
WORK=${GPU_BENCH_WORK:-/tmp/inr-gpu-bench}

stamp() { echo "== $(date -u +%H:%M:%S) $*"; }

# Decompress with xz when there is one, else with Python's lzma (always there with PyTorch).
unxz_to() { # SRC DEST
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"; fi
}
untar_xz() { # SRC DIR
  if command -v xz >/dev/null 2>&1 && tar --version >/dev/null 2>&1; then tar -xJf "$1" -C "$2"; else python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1],"r:xz").extractall(sys.argv[2])' "$1" "$2"; fi
}

webgpu_ok() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(b["id"]=="webgpu" and b["available"] for b in d["backends"]) else 1)' "$OUT/backends.json" 2>/dev/null
}

have_nvidia_icd() {
  local f
  for f in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json; do
    [ -e "$f" ] && grep -qi nvidia "$f" && return 0
  done
  return 1
}

main() {
  stamp "run-device.sh in $ROOT, OUT=$OUT, size=$SIZE steps=$STEPS warmup=$WARMUP"
  git log -1 --format='commit %H %s' 2>/dev/null || true
  uname -a
  nvidia-smi || echo "nvidia-smi failed"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv 2>/dev/null || true

  stamp "Vulkan/GL loaders"
  # Unpacked into / as the device README says: only where there is an NVIDIA GPU (or when asked),
  # never on a development machine.
  if ls .gl/*.deb >/dev/null 2>&1 && { command -v nvidia-smi >/dev/null 2>&1 || [ "${FORCE_GL_UNPACK:-0}" = 1 ]; } && [ "${NO_GL_UNPACK:-0}" != 1 ]; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  elif ls .gl/*.deb >/dev/null 2>&1; then
    echo "no nvidia-smi here: not unpacking .gl into / (FORCE_GL_UNPACK=1 to do it anyway)"
  else
    echo "no .gl/*.deb carried (run tests/bench/gpu/pack.sh and carry .gl)"
  fi
  ldconfig -p | grep -i -E 'libvulkan|libEGL' || echo "no libvulkan in ldconfig"
  if ! have_nvidia_icd && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
    echo "no NVIDIA Vulkan ICD in the standard folders: using the driver mount's"
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    [ -e /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"

  stamp "node and node_modules"
  local NODE
  if [ -f .device/node/node.xz ]; then
    mkdir -p "$WORK/bin"
    unxz_to .device/node/node.xz "$WORK/bin/node" && chmod +x "$WORK/bin/node"
    NODE="$WORK/bin/node"
  else
    NODE=$(command -v node || true)
    echo "no .device/node/node.xz carried; using ${NODE:-no node}"
  fi
  if [ -f .device/node/node_modules.tar.xz ]; then
    untar_xz .device/node/node_modules.tar.xz "$ROOT"
  fi
  [ -n "$NODE" ] && "$NODE" --version || { echo "no usable node binary"; return 1; }
  ldd node_modules/webgpu/dist/linux-x64/dawn.node 2>&1 | grep -i 'not found' && echo "dawn.node is missing libraries (above)"
  export PATH="$(dirname "$NODE"):$PATH"
  if [ -d .device/data/images ]; then export INR_SAMPLE_DATA="$ROOT/.device/data"; fi
  export INR_SAMPLE_DATA=${INR_SAMPLE_DATA:-$ROOT/../shared/data}
  echo "INR_SAMPLE_DATA=$INR_SAMPLE_DATA"
  local TS=(node --import tsx tests/bench/gpu/siren-step.ts)

  stamp "backends"
  timeout 120 "${TS[@]}" --list-backends --json "$OUT/backends.json"
  if ! webgpu_ok; then
    if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
      echo "webgpu unavailable: retrying with the driver mount's Vulkan ICD"
      export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
      [ -e /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
      timeout 120 "${TS[@]}" --list-backends --json "$OUT/backends.json"
    fi
  fi

  if [ "${SKIP_TORCH:-0}" != 1 ]; then
    stamp "PyTorch reference"
    PYTHONUNBUFFERED=1 timeout $((4 * (TORCH_MAX_SECONDS + 10) + 40)) python3 tests/bench/gpu/siren_step.py --size "$SIZE" --steps "$STEPS" --warmup "$WARMUP" \
      --tf32 both --sync both --max-seconds "$TORCH_MAX_SECONDS" --json "$OUT/torch.json"
    echo "exit $?"
    python3 tests/bench/gpu/summarize.py "$OUT" >/dev/null
  fi

  stamp "WebGPU, the project's loop (runNetTask)"
  timeout $((WEBGPU_MAX_SECONDS + 45)) "${TS[@]}" --backend webgpu --size "$SIZE" --steps "$STEPS" --warmup "$WARMUP" \
    --max-seconds "$WEBGPU_MAX_SECONDS" --json "$OUT/webgpu-task.json"
  echo "exit $?"
  python3 tests/bench/gpu/summarize.py "$OUT" >/dev/null

  if [ "${SKIP_BARE:-0}" != 1 ]; then
    stamp "WebGPU, bare loop (loss read every 100 steps)"
    timeout $((BARE_MAX_SECONDS + 45)) "${TS[@]}" --backend webgpu --loop bare --sync-every 100 --size "$SIZE" --steps "$STEPS" --warmup "$WARMUP" \
      --max-seconds "$BARE_MAX_SECONDS" --json "$OUT/webgpu-bare.json"
    echo "exit $?"
  fi

  stamp "summary"
  python3 tests/bench/gpu/summarize.py "$OUT"
  nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,power.draw --format=csv 2>/dev/null || true
  stamp "done"
}

main "$@" 2>&1 | tee "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
