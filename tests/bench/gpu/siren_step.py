#!/usr/bin/env python3
"""PyTorch reference for the SIREN step-time comparison of issue #6 (siren-step.ts beside this
file times the project's own SIREN on a tfjs backend; run-device.sh runs both on one machine).

The same problem as the project's SIREN fit (main/inr/nets, METHODS.md §3):
  * image: astronaut.png, central size x size crop (all of it at 512), RGB, full batch;
  * coordinates (y, x) in [-1, 1], corner-aligned: -1 + 2p/(L-1); targets -1 + 2v/255;
  * net: 2 -> 256 -> 256 -> 256 -> 256 -> 3 (3 hidden layers of 256), y = sin(w0 (Wx + b)),
    w0 = 30, linear output; init first W ~ U(+-1/n_in), other W ~ U(+-sqrt(6/n_in)/w0),
    biases PyTorch's default U(+-1/sqrt(n_in));
  * loss: mean squared error; Adam lr 1e-4, betas (0.9, 0.999), eps 1e-8, no schedule
    (torch.optim.Adam defaults otherwise: the foreach implementation on CUDA, not fused).

Each configuration starts from a fresh net (same seed), runs --warmup steps reading the loss
after each, then times --steps steps, in float32:
  * TF32 off (torch.set_float32_matmul_precision('highest')) and/or on ('high');
  * sync 'every': loss.item() after every step, as the project's training loop reads its loss;
    sync 'end': no host read inside the loop, torch.cuda.synchronize() and loss.item() after it.
The clock (time.perf_counter) starts after a torch.cuda.synchronize().

  python3 tests/bench/gpu/siren_step.py [--size 512] [--steps 2000] [--warmup 20]
      [--tf32 off|on|both] [--sync every|end|both] [--json OUT.json] [--image PATH]
      [--device cuda|cpu] [--seed 1] [--max-seconds S]

The PNG is read with Pillow, else imageio, else the small zlib decoder below.
"""
import argparse
import datetime
import json
import math
import os
import platform
import struct
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH, HIDDEN, OMEGA0, LR = 256, 3, 30.0, 1e-4
BETAS, EPS = (0.9, 0.999), 1e-8


def default_image():
    root = os.environ.get("INR_SAMPLE_DATA") or os.path.join(HERE, "..", "..", "..", "..", "shared", "data")
    return os.path.normpath(os.path.join(root, "images", "astronaut.png"))


# --------------------------------------------------------------------------------------------
# PNG reading
# --------------------------------------------------------------------------------------------

def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data):
    """Decode an 8-bit, non-interlaced gray/RGB/gray+alpha/RGBA PNG.
    Returns (height, width, channels, bytes) with channels interleaved, row-major."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if ihdr is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, color, _comp, _filt, interlace = ihdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError("only 8-bit non-interlaced gray/RGB(A) PNGs are supported here (depth %d, colour type %d, interlace %d)" % (depth, color, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise ValueError("PNG data has %d bytes, expected %d" % (len(raw), height * (stride + 1)))
    out = bytearray(height * stride)
    prev = bytearray(stride)
    bpp = channels
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif f == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                upleft = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prev[i], upleft)) & 0xFF
        elif f != 0:
            raise ValueError("bad PNG filter type %d in row %d" % (f, y))
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return height, width, channels, bytes(out)


def read_rgb(path, loader="auto"):
    """(height, width, RGB bytes, loader used). Alpha is dropped, gray is an error."""
    if loader in ("auto", "pil"):
        try:
            from PIL import Image  # noqa: WPS433
            with Image.open(path) as im:
                if im.mode not in ("RGB", "RGBA"):
                    raise ValueError("expected an RGB image, %s is %s" % (path, im.mode))
                im = im.convert("RGB")
                return im.height, im.width, im.tobytes(), "pillow"
        except ImportError:
            if loader == "pil":
                raise
    if loader in ("auto", "imageio"):
        try:
            import imageio.v3 as iio  # noqa: WPS433
            a = iio.imread(path)
            if a.ndim != 3 or a.shape[2] not in (3, 4) or a.dtype.name != "uint8":
                raise ValueError("expected an 8-bit RGB image, %s has shape %s %s" % (path, a.shape, a.dtype))
            return a.shape[0], a.shape[1], a[:, :, :3].tobytes(), "imageio"
        except ImportError:
            if loader == "imageio":
                raise
    with open(path, "rb") as fh:
        h, w, c, px = decode_png(fh.read())
    if c == 3:
        return h, w, px, "zlib"
    if c == 4:
        rgb = bytearray(h * w * 3)
        for i in range(h * w):
            rgb[3 * i:3 * i + 3] = px[4 * i:4 * i + 3]
        return h, w, bytes(rgb), "zlib"
    raise ValueError("expected an RGB image, %s has %d channel(s)" % (path, c))


def crop_center(h, w, px, size):
    if size > h or size > w:
        raise ValueError("--size %d exceeds the image (%dx%d)" % (size, h, w))
    y0, x0 = (h - size) // 2, (w - size) // 2
    rows = [px[((y0 + y) * w + x0) * 3:((y0 + y) * w + x0 + size) * 3] for y in range(size)]
    return b"".join(rows), (y0, x0)


# --------------------------------------------------------------------------------------------
# The net and the timed loop
# --------------------------------------------------------------------------------------------

def build_siren(torch, in_dim, out_dim, width=WIDTH, hidden=HIDDEN, w0=OMEGA0):
    nn = torch.nn
    dims = [in_dim] + [width] * (hidden + 1) + [out_dim]

    class Siren(nn.Module):
        def __init__(self):
            super().__init__()
            self.w0 = w0
            self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
            with torch.no_grad():
                for i, lin in enumerate(self.layers):
                    n_in = lin.in_features
                    bound = 1.0 / n_in if i == 0 else math.sqrt(6.0 / n_in) / w0
                    lin.weight.uniform_(-bound, bound)
                    # Biases keep nn.Linear's default, U(+-1/sqrt(n_in)).

        def forward(self, x):
            for lin in self.layers[:-1]:
                x = torch.sin(self.w0 * lin(x))
            return self.layers[-1](x)

    return Siren()


def set_tf32(torch, on):
    torch.set_float32_matmul_precision("high" if on else "highest")
    return torch.get_float32_matmul_precision()


def run_config(torch, dev, coords, target, args, tf32, sync):
    precision = set_tf32(torch, tf32)
    torch.manual_seed(args.seed)
    model = build_siren(torch, coords.shape[1], target.shape[1]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    cuda = dev.type == "cuda"

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((model(coords) - target) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    history = []
    for s in range(1, args.warmup + 1):
        loss_v = step().item()
    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    done, stopped, loss = 0, "steps", None
    for s in range(1, args.steps + 1):
        loss = step()
        done = s
        if sync == "every":
            loss_v = loss.item()
            if not math.isfinite(loss_v):
                raise FloatingPointError("loss became %r at step %d" % (loss_v, args.warmup + s))
        if s % max(1, args.steps // 20) == 0 and sync == "every":
            history.append({"step": args.warmup + s, "seconds": round(time.perf_counter() - t0, 4), "psnr": round(10 * math.log10(4.0 / loss_v), 3)})
        if args.max_seconds and time.perf_counter() - t0 >= args.max_seconds and s < args.steps:
            stopped = "time"
            break
    if cuda:
        torch.cuda.synchronize()
    loss_v = loss.item()
    seconds = time.perf_counter() - t0
    if not math.isfinite(loss_v):
        raise FloatingPointError("loss became %r" % loss_v)
    peak_mem = torch.cuda.max_memory_allocated(dev) if cuda else None
    del model, opt
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)
    return {
        "tf32": tf32,
        "float32_matmul_precision": precision,
        "sync": sync,
        "steps_timed": done,
        "seconds_timed": round(seconds, 4),
        "seconds_per_step": round(seconds / done, 6),
        "steps_per_second": round(done / seconds, 3),
        "stopped": stopped,
        "loss_final": loss_v,
        "psnr_train_final": round(10 * math.log10(4.0 / loss_v), 3),
        "peak_memory_mib": round(peak_mem / 2 ** 20, 1) if peak_mem is not None else None,
        "psnr_history": history,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--tf32", choices=["off", "on", "both"], default="both")
    ap.add_argument("--sync", choices=["every", "end", "both"], default="both")
    ap.add_argument("--json")
    ap.add_argument("--image", default=default_image())
    ap.add_argument("--loader", choices=["auto", "pil", "imageio", "zlib"], default="auto")
    ap.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=0.0, help="stop a configuration's timed loop after this many seconds (0: no limit)")
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 1 or args.size < 2:
        ap.error("--steps and --warmup must be >= 1, --size >= 2")
    started = datetime.datetime.now(datetime.timezone.utc).isoformat()
    command = " ".join(["python3", "tests/bench/gpu/siren_step.py"] + sys.argv[1:])
    doc = {"tool": "siren_step.py", "ok": False, "started": started, "command": command}
    try:
        h, w, px, loader = read_rgb(args.image, args.loader)
        px, (y0, x0) = crop_center(h, w, px, args.size)
        import torch  # noqa: WPS433

        dev = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if dev.type != "cuda":
            print("siren_step.py: WARNING: no CUDA device, timing on %s" % dev, file=sys.stderr)
        n = args.size * args.size
        lin = torch.arange(args.size, dtype=torch.float64)
        axis = (-1.0 + 2.0 * lin / (args.size - 1)).float()
        gy, gx = torch.meshgrid(axis, axis, indexing="ij")
        coords = torch.stack([gy.reshape(-1), gx.reshape(-1)], dim=1).to(dev)
        target = (torch.frombuffer(bytearray(px), dtype=torch.uint8).float().reshape(n, 3) * (2.0 / 255.0) - 1.0).to(dev)
        doc.update({
            "torch_version": torch.__version__,
            "cuda_version": torch.version.cuda,
            "cudnn_version": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
            "device": {
                "type": dev.type,
                "name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or platform.machine(),
                "capability": list(torch.cuda.get_device_capability(dev)) if dev.type == "cuda" else None,
                "host": platform.node(),
                "python": platform.python_version(),
            },
            "image": {"path": args.image, "loader": loader, "shape": [args.size, args.size], "crop": [y0, x0, args.size, args.size] if (h, w) != (args.size, args.size) else None},
            "net": {"method": "siren", "width": WIDTH, "hidden": HIDDEN, "omega0": OMEGA0, "params": None,
                    "init": "first U(+-1/n_in), others U(+-sqrt(6/n_in)/w0), biases U(+-1/sqrt(n_in))"},
            "training": {"batch": n, "lr": LR, "adam": {"beta1": BETAS[0], "beta2": BETAS[1], "epsilon": EPS, "implementation": "torch.optim.Adam defaults (foreach on CUDA)"},
                         "loss": "mean squared error on targets in [-1, 1]", "seed": args.seed, "dtype": "float32"},
            "warmup": args.warmup,
            "steps_requested": args.steps,
            "max_seconds": args.max_seconds or None,
            "runs": [],
        })
        doc["net"]["params"] = sum(p.numel() for p in build_siren(torch, 2, 3).parameters())
        tf32s = [False, True] if args.tf32 == "both" else [args.tf32 == "on"]
        syncs = ["every", "end"] if args.sync == "both" else [args.sync]
        for tf32 in tf32s:
            for sync in syncs:
                r = run_config(torch, dev, coords, target, args, tf32, sync)
                doc["runs"].append(r)
                print("siren_step.py: torch %s %s tf32=%s sync=%s steps_timed=%d seconds=%.3f s/step=%.5f steps/s=%.2f psnr_train_final=%.2f dB" % (
                    torch.__version__, doc["device"]["name"], "on" if tf32 else "off", sync, r["steps_timed"], r["seconds_timed"],
                    r["seconds_per_step"], r["steps_per_second"], r["psnr_train_final"]), flush=True)
        set_tf32(torch, False)
        doc["ok"] = True
    except Exception as err:  # noqa: BLE001 - reported in the JSON, then re-raised as the exit code
        doc["error"] = "%s: %s" % (type(err).__name__, err)
        print("siren_step.py: %s" % doc["error"], file=sys.stderr)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")
    return 0 if doc["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
