#!/usr/bin/env python3
"""Combine the JSONs of one run-device.sh run into summary.json and print a table.

  python3 tests/bench/gpu/summarize.py DIR        (reads DIR/{webgpu-task,webgpu-bare,torch}.json)

Issue #6's criterion: a WebGPU (Dawn) step of the project's SIREN, full batch 512² RGB, takes at
most 3× as long as PyTorch's on the same GPU. The ratio judged here is the strict one: the
project's own loop (siren-step.ts --loop task, which reads the loss back every step) against the
faster of PyTorch's two float32 loops with TF32 off (IEEE float32 matmuls, as WebGPU computes).
The other pairings are listed beside it.
"""
import json
import os
import sys

LIMIT = 3.0
REFERENCE = {"what": "PyTorch on an H100 ran 2,000 such steps in 18 s (issue #6)", "seconds_per_step": 18.0 / 2000}


def load(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError as err:
        return {"ok": False, "error": "unreadable JSON: %s" % err}


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    task, bare, torch = (load(os.path.join(d, n)) for n in ("webgpu-task.json", "webgpu-bare.json", "torch.json"))
    s = {"limit": LIMIT, "reference": REFERENCE, "files": {}, "webgpu": {}, "torch": [], "ratios": {}, "criterion": None, "notes": []}
    for name, doc in (("webgpu-task.json", task), ("webgpu-bare.json", bare), ("torch.json", torch)):
        s["files"][name] = "missing" if doc is None else ("ok" if doc.get("ok") else "failed: %s" % doc.get("error"))
    for key, doc in (("task", task), ("bare", bare)):
        if doc and doc.get("ok"):
            s["webgpu"][key] = {k: doc.get(k) for k in ("command", "seconds_per_step", "steps_per_second", "steps_timed", "seconds_timed", "stopped", "psnr_train_final", "psnr_reconstruction", "sync")}
            s["webgpu"][key]["adapter"] = (doc.get("device") or {}).get("adapter_info")
    if torch and torch.get("ok"):
        s["torch_device"] = torch.get("device")
        s["torch_version"] = torch.get("torch_version")
        s["torch_command"] = torch.get("command")
        for r in torch.get("runs", []):
            s["torch"].append({k: r.get(k) for k in ("tf32", "sync", "seconds_per_step", "steps_per_second", "steps_timed", "psnr_train_final", "peak_memory_mib")})

    def tsec(tf32, sync):
        for r in s["torch"]:
            if r["tf32"] == tf32 and r["sync"] == sync:
                return r["seconds_per_step"]
        return None

    w_task = s["webgpu"].get("task", {}).get("seconds_per_step")
    w_bare = s["webgpu"].get("bare", {}).get("seconds_per_step")
    pairs = {
        "task / torch fp32 (TF32 off), loss read every step": (w_task, tsec(False, "every")),
        "task / torch fp32 (TF32 off), sync at end": (w_task, tsec(False, "end")),
        "task / torch TF32 on, sync at end": (w_task, tsec(True, "end")),
        "bare / torch fp32 (TF32 off), sync at end": (w_bare, tsec(False, "end")),
        "bare / torch TF32 on, sync at end": (w_bare, tsec(True, "end")),
    }
    for k, (a, b) in pairs.items():
        if a and b:
            s["ratios"][k] = round(a / b, 3)
    fp32 = [x for x in (tsec(False, "every"), tsec(False, "end")) if x]
    if w_task and fp32:
        ratio = w_task / min(fp32)
        s["criterion"] = {
            "definition": "WebGPU seconds per step of the project's loop / PyTorch's fastest float32 (TF32 off) seconds per step, same machine, same run",
            "webgpu_seconds_per_step": w_task,
            "torch_seconds_per_step": min(fp32),
            "ratio": round(ratio, 3),
            "met": ratio <= LIMIT,
        }
    else:
        s["notes"].append("the criterion could not be computed: a WebGPU or PyTorch result is missing (see files)")
    # Is this a GPU-to-GPU comparison on one device?
    valid = True
    tdev = s.get("torch_device") or {}
    if s["torch"] and tdev.get("type") != "cuda":
        valid = False
        s["notes"].append("PyTorch ran on %s, not on a CUDA GPU" % tdev.get("type"))
    for key, w in s["webgpu"].items():
        a = w.get("adapter") or {}
        if "nvidia" not in json.dumps(a).lower() or a.get("isFallbackAdapter"):
            valid = False
            s["notes"].append("the WebGPU %s run's adapter does not look like the NVIDIA GPU: %s" % (key, json.dumps(a)))
        if w.get("stopped") != "steps":
            s["notes"].append("the WebGPU %s run was capped at %s steps (stopped: %s); seconds per step still compare" % (key, w.get("steps_timed"), w.get("stopped")))
    for r in s["torch"]:
        if r.get("steps_timed") and torch and r["steps_timed"] < torch.get("steps_requested", 0):
            s["notes"].append("PyTorch tf32=%s sync=%s was capped at %d steps" % (r["tf32"], r["sync"], r["steps_timed"]))
    if s["criterion"]:
        s["criterion"]["valid_gpu_comparison"] = valid
    if fp32:
        s["notes"].append("PyTorch fp32 here: %.2f ms/step; the issue's reference: %.2f ms/step" % (1000 * min(fp32), 1000 * REFERENCE["seconds_per_step"]))
    with open(os.path.join(d, "summary.json"), "w") as fh:
        json.dump(s, fh, indent=2)
        fh.write("\n")

    print("== summary (%s)" % os.path.join(d, "summary.json"))
    for name, st in s["files"].items():
        print("  %-18s %s" % (name, st))
    for key, w in s["webgpu"].items():
        print("  webgpu %-5s %8.2f ms/step  %7.2f steps/s  %5d steps  PSNR %.2f dB  (%s)" % (key, 1000 * w["seconds_per_step"], w["steps_per_second"], w["steps_timed"], w["psnr_train_final"], w["sync"]))
    for r in s["torch"]:
        print("  torch tf32=%-3s sync=%-5s %8.2f ms/step  %7.2f steps/s  %5d steps  PSNR %.2f dB" % ("on" if r["tf32"] else "off", r["sync"], 1000 * r["seconds_per_step"], r["steps_per_second"], r["steps_timed"], r["psnr_train_final"]))
    for k, v in s["ratios"].items():
        print("  ratio %-55s %.2f" % (k, v))
    c = s["criterion"]
    if c:
        print("  CRITERION (≤ %.0f×): %.2f× -> %s%s" % (LIMIT, c["ratio"], "met" if c["met"] else "NOT met",
                                                     "" if c["valid_gpu_comparison"] else " (NOT a valid GPU comparison: see the notes)"))
    for n in s["notes"]:
        print("  note: " + n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
