/**
 * WIRE: complex Gabor wavelet INR (Saragadam et al., CVPR 2023; vishwa91/wire), METHODS §6.
 *
 * σ(z) = exp(i·ω0·z − |s0·z|²). The first layer is real-weighted (real z, complex output); the
 * hidden and output layers are complex; the net returns Re(output). Width ⌊W/√2⌋ (181 for 256),
 * so params match a real net of width W. Init: PyTorch default, real and imaginary parts drawn
 * separately. Defaults for image fitting: ω0 = 20, s0 = 30, 256×2.
 *
 * Complex numbers are real pairs (METHODS §0): (A + iB)(u + iv) = (Au − Bv) + i(Av + Bu), each a
 * plain 2D matMul on tfjs-wasm's fast path. For complex u = u_r + i·u_i:
 *   σ(u) = exp(−ω0·u_i − s0²(u_r² + u_i²)) · (cos ω0 u_r + i sin ω0 u_r).
 * Its modulus is at most exp(ω0²/(4 s0²)), which compounds through depth into Inf/NaN when
 * ω0/s0 is large (vishwa91/wire#5, #16): the exponent is clamped at WIRE_MAX_EXPONENT, which
 * leaves every reachable value at the recommended ω0/s0 ≲ 1.5 untouched (the clamp only acts
 * above 30, i.e. ω0/s0 > 11).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { linear, param, type NtkRecorder, type Param } from './layers';
import { cos, sin } from './fastmath';
import { torchDefaultBound, uniform } from './init';
import { denseSite, disposeParams, requirePositive, type Net } from './net';
import type { NetOptions } from './options';

const WIRE_MAX_EXPONENT = 30;

interface ComplexLayer {
  A: Param;
  B: Param;
  br: Param;
  bi: Param;
}

function complexLayer(rng: Rng, name: string, nIn: number, nOut: number, output = false): ComplexLayer {
  const k = torchDefaultBound(nIn);
  return {
    A: param(`${name}.A`, uniform(rng, nIn * nOut, k), [nIn, nOut]),
    B: param(`${name}.B`, uniform(rng, nIn * nOut, k), [nIn, nOut]),
    br: param(`${name}.br`, uniform(rng, nOut, k), [nOut]),
    // The output's imaginary bias never reaches Re(output): counted (as in WIRE's param count), not trained.
    bi: param(`${name}.bi`, uniform(rng, nOut, k), [nOut], !output),
  };
}

export function buildWire(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const w0 = requirePositive('omega0', o.omega0 ?? 20);
  const s0 = requirePositive('s0', o.s0 ?? 30);
  const W = Math.max(1, Math.floor(o.width / Math.SQRT2));
  const k0 = torchDefaultBound(inDim);
  const first = { W: param('wire0.W', uniform(rng, inDim * W, k0), [inDim, W]), b: param('wire0.b', uniform(rng, W, k0), [W]) };
  const hidden: ComplexLayer[] = [];
  for (let l = 0; l < o.hidden; l++) hidden.push(complexLayer(rng, `wire${l + 1}`, W, W));
  const out = complexLayer(rng, 'wire_out', W, outDim, true);
  const params: Param[] = [first.W, first.b, ...hidden.flatMap((c) => [c.A, c.B, c.br, c.bi]), out.A, out.B, out.br, out.bi];
  const warnings: string[] = [];
  if (w0 / s0 > 1.5)
    warnings.push(`WIRE ω0/s0 = ${(w0 / s0).toFixed(2)} > 1.5 can overflow through depth (vishwa91/wire#5); the Gabor exponent is clamped at ${WIRE_MAX_EXPONENT}`);

  /**
   * Complex Gabor activation of u = u_r + i·u_i, returned as the pair (x_r, x_i). The exponent
   * is clipped (not `minimum`, which is slow on wasm) at WIRE_MAX_EXPONENT.
   */
  const gabor = (ur: tf.Tensor2D, ui: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] => {
    const e = tf.clipByValue(tf.sub(tf.mul(ui, -w0), tf.mul(tf.add(tf.square(ur), tf.square(ui)), s0 * s0)), -1e30, WIRE_MAX_EXPONENT);
    const mag = tf.exp(e);
    const ph = tf.mul(ur, w0) as tf.Tensor2D;
    return [tf.mul(mag, cos(ph)), tf.mul(mag, sin(ph))];
  };

  /**
   * (x_r + i x_i)(A + iB) + b as four plain products, (x_r A − x_i B + b_r, x_r B + x_i A + b_i):
   * the same flops as one block product, with no slicing or concatenation (both slow on wasm).
   */
  const complexDense = (xr: tf.Tensor2D, xi: tf.Tensor2D, c: ComplexLayer, rec: NtkRecorder | undefined, imag: boolean): [tf.Tensor2D, tf.Tensor2D | undefined] => {
    const A = c.A.v as unknown as tf.Tensor2D;
    const B = c.B.v as unknown as tf.Tensor2D;
    let ur = tf.add(tf.sub(linear(xr, A), linear(xi, B)), c.br.v) as tf.Tensor2D;
    let ui = imag ? (tf.add(tf.add(linear(xr, B), linear(xi, A)), c.bi.v) as tf.Tensor2D) : undefined;
    if (rec) {
      const pr = rec.probe(ur);
      ur = pr.y;
      if (ui) {
        const pi = rec.probe(ui);
        ui = pi.y;
        rec.matmul([
          { x: xr, probe: pr.id },
          { x: xi, probe: pi.id },
        ]); // A: x_r⊗g_r + x_i⊗g_i
        rec.matmul([
          { x: xi, probe: pr.id, sign: -1 },
          { x: xr, probe: pi.id },
        ]); // B: −x_i⊗g_r + x_r⊗g_i
        rec.elementwise(null, pr.id);
        rec.elementwise(null, pi.id);
      } else {
        // Output layer: only the real part reaches f, so b_i has no gradient.
        rec.matmul([{ x: xr, probe: pr.id }]);
        rec.matmul([{ x: xi, probe: pr.id, sign: -1 }]);
        rec.elementwise(null, pr.id);
      }
    }
    return [ur, ui];
  };

  const apply = (h: tf.Tensor2D, rec?: NtkRecorder): tf.Tensor2D => {
    // First layer: real z, complex output exp(−s0² z²)·(cos ω0 z + i sin ω0 z).
    const z = denseSite(h, first.W.v, first.b.v, rec, false);
    const mag = tf.exp(tf.mul(tf.square(z), -s0 * s0));
    const ph = tf.mul(z, w0) as tf.Tensor2D;
    let xr = tf.mul(mag, cos(ph)) as tf.Tensor2D;
    let xi = tf.mul(mag, sin(ph)) as tf.Tensor2D;
    for (const c of hidden) {
      const [ur, ui] = complexDense(xr, xi, c, rec, true);
      [xr, xi] = gabor(ur, ui!);
    }
    return complexDense(xr, xi, out, rec, false)[0];
  };

  return {
    method: 'wire',
    inDim,
    outDim,
    featureDim: inDim,
    params,
    coords: 'symmetric',
    targetRange: [0, 1],
    prepare: (x) => x,
    apply,
    info: { width: o.width, complex_width: W, hidden: o.hidden, omega0: w0, s0 },
    warnings,
    dispose: () => disposeParams(params),
  };
}
