/**
 * Scattered-data inpainting baselines: what each reproduces exactly (affine data for the
 * Delaunay methods, quadratics for the Clough–Tocher element with exact gradients, constants for
 * normalised convolution), C¹ continuity of the element, the nearest-sample rule outside the
 * hull, plane-by-plane volumes, lines, odd shapes, refusals and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { CLASSICAL_METHODS, inpaint, refusal, resample } from '../../main/classical/index';
import { ctCoefficients, ctEvaluate, CT_COEFFS } from '../../main/classical/clough-tocher';
import { Rng } from '../../main/core/rng';

/** An H×W mask: the border observed (so the hull is the whole plane) and `frac` of the interior. */
function borderedMask(H: number, W: number, frac: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const m = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = y === 0 || x === 0 || y === H - 1 || x === W - 1 || rng.uniform() < frac ? 1 : 0;
  return m;
}

function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

describe('exact reproduction', () => {
  const [H, W, C] = [48, 61, 3];
  const affine = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) affine[(y * W + x) * C + c] = 100 + (c + 1) * 1.5 * x - (2 - c) * 0.75 * y + 10 * c;
  const mask = borderedMask(H, W, 0.25, 5);
  // Hidden samples hold NaN: no method may read them.
  const input = affine.map((v, i) => (mask[Math.floor(i / C)] ? v : NaN));

  for (const [method, params] of [
    ['linear', {}],
    ['cubic', {}],
    ['cubic', { gradients: 'nielson' as const }],
    ['natural', {}],
  ] as const) {
    it(`${method} ${JSON.stringify(params)} reproduces affine data exactly inside the hull`, () => {
      const out = inpaint(method, input, [H, W], C, mask, {}, params);
      // float32 storage of values up to ~300: a few ulps.
      expect(maxError(out, affine)).toBeLessThan(1e-3);
    });
  }

  it('normalised convolution reproduces a constant exactly and keeps observed samples', () => {
    const v = new Float32Array(H * W).fill(42.5);
    const m = borderedMask(H, W, 0.1, 6);
    const out = inpaint(
      'nconv',
      v.map((x, i) => (m[i] ? x : NaN)),
      [H, W],
      1,
      m,
    );
    expect(maxError(out, v)).toBeLessThan(1e-4);
  });

  it('keeps observed samples bit for bit', () => {
    const rng = new Rng(2);
    const v = new Float32Array(H * W).map(() => rng.uniform() * 1000 - 500);
    for (const method of ['linear', 'cubic', 'natural', 'nconv', 'nearest']) {
      const out = inpaint(method, v, [H, W], 1, mask);
      let changed = 0;
      for (let i = 0; i < H * W; i++) if (mask[i] && out[i] !== v[i]) changed++;
      expect(changed).toBe(0);
      expect(out.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('outside the convex hull', () => {
  it('takes the value of a nearest observed sample (Euclidean, checked by brute force)', () => {
    const [H, W] = [30, 34];
    const rng = new Rng(8);
    const v = new Float32Array(H * W).map(() => Math.round(rng.uniform() * 1e6));
    const m = new Uint8Array(H * W);
    for (let y = 10; y < 20; y++) for (let x = 12; x < 22; x++) if (rng.uniform() < 0.5) m[y * W + x] = 1;
    const obs = [...m.keys()].filter((i) => m[i]);
    for (const method of ['linear', 'cubic', 'natural', 'nearest']) {
      const out = inpaint(method, v, [H, W], 1, m);
      let wrong = 0;
      for (let i = 0; i < H * W; i++) {
        const [y, x] = [Math.floor(i / W), i % W];
        if (y >= 10 && y < 20 && x >= 12 && x < 22) continue; // inside the observed block's box
        let best = Infinity;
        for (const j of obs) best = Math.min(best, (Math.floor(j / W) - y) ** 2 + ((j % W) - x) ** 2);
        const allowed = obs.filter((j) => (Math.floor(j / W) - y) ** 2 + ((j % W) - x) ** 2 === best).map((j) => v[j]);
        if (!allowed.includes(out[i])) wrong++;
      }
      expect(wrong).toBe(0);
    }
  });
});

describe('the Clough–Tocher element', () => {
  const rng = new Rng(21);
  const q = [3, -1.5, 2, 0.25, -0.4, 0.6]; // a + b x + c y + d x² + e xy + f y²
  const val = (x: number, y: number) => q[0] + q[1] * x + q[2] * y + q[3] * x * x + q[4] * x * y + q[5] * y * y;
  const grad = (x: number, y: number) => [q[1] + 2 * q[3] * x + q[4] * y, q[2] + q[4] * x + 2 * q[5] * y];

  function element(px: number[], py: number[], f: number[], gx: number[], gy: number[]): Float64Array {
    const c = new Float64Array(CT_COEFFS);
    ctCoefficients(px, py, f, gx, gy, c, 0);
    return c;
  }
  function at(c: Float64Array, px: number[], py: number[], x: number, y: number): number {
    const A = (px[1] - px[0]) * (py[2] - py[0]) - (py[1] - py[0]) * (px[2] - px[0]);
    const l0 = ((px[1] - x) * (py[2] - y) - (py[1] - y) * (px[2] - x)) / A;
    const l1 = ((px[2] - x) * (py[0] - y) - (py[2] - y) * (px[0] - x)) / A;
    return ctEvaluate(c, 0, l0, l1, 1 - l0 - l1);
  }

  it('reproduces quadratics exactly when given their gradients', () => {
    for (let k = 0; k < 20; k++) {
      const px = [0, 1, 2].map(() => rng.uniform() * 20 - 10);
      const py = [0, 1, 2].map(() => rng.uniform() * 20 - 10);
      if ((px[1] - px[0]) * (py[2] - py[0]) - (py[1] - py[0]) * (px[2] - px[0]) < 0) [px[1], px[2], py[1], py[2]] = [px[2], px[1], py[2], py[1]];
      const c = element(
        px,
        py,
        px.map((x, i) => val(x, py[i])),
        px.map((x, i) => grad(x, py[i])[0]),
        px.map((x, i) => grad(x, py[i])[1]),
      );
      for (let s = 0; s < 50; s++) {
        let [a, b] = [rng.uniform(), rng.uniform()];
        if (a + b > 1) [a, b] = [1 - a, 1 - b];
        const x = px[0] + a * (px[1] - px[0]) + b * (px[2] - px[0]);
        const y = py[0] + a * (py[1] - py[0]) + b * (py[2] - py[0]);
        expect(Math.abs(at(c, px, py, x, y) - val(x, y))).toBeLessThan(1e-9 * 200);
      }
    }
  });

  it('is C¹ across an edge shared by two triangles and across its inner split edges', () => {
    // Triangles A = (P0, P1, P2) and B = (P1, P0, P3) share the edge P0P1; arbitrary data.
    const X = [0, 7, 2.5, 4.2];
    const Y = [0, 1.2, 5.5, -4.8];
    const f = X.map(() => rng.uniform() * 10);
    const gx = X.map(() => rng.uniform() * 4 - 2);
    const gy = X.map(() => rng.uniform() * 4 - 2);
    const ia = [0, 1, 2];
    const ib = [1, 0, 3];
    const pick = (idx: number[], arr: number[]) => idx.map((i) => arr[i]);
    const cA = element(pick(ia, X), pick(ia, Y), pick(ia, f), pick(ia, gx), pick(ia, gy));
    const cB = element(pick(ib, X), pick(ib, Y), pick(ib, f), pick(ib, gx), pick(ib, gy));
    const evA = (x: number, y: number) => at(cA, pick(ia, X), pick(ia, Y), x, y);
    const evB = (x: number, y: number) => at(cB, pick(ib, X), pick(ib, Y), x, y);
    // Unit normal of the edge, pointing into A.
    const [ex, ey] = [X[1] - X[0], Y[1] - Y[0]];
    const L = Math.hypot(ex, ey);
    const [nx, ny] = [-ey / L, ex / L];
    const h = 1e-4;
    const oneSided = (ev: (x: number, y: number) => number, x: number, y: number, sgn: number) =>
      (sgn * (-3 * ev(x, y) + 4 * ev(x + sgn * h * nx, y + sgn * h * ny) - ev(x + 2 * sgn * h * nx, y + 2 * sgn * h * ny))) / (2 * h);
    for (const s of [0.1, 0.3, 0.5, 0.77, 0.9]) {
      const [x, y] = [X[0] + s * ex, Y[0] + s * ey];
      expect(Math.abs(evA(x, y) - evB(x, y))).toBeLessThan(1e-10);
      expect(Math.abs(oneSided(evA, x, y, 1) - oneSided(evB, x, y, -1))).toBeLessThan(1e-5);
    }
    // Inner edge P2 → centroid S of A: derivative across it from both sub-triangles.
    const [sx, sy] = [(X[0] + X[1] + X[2]) / 3, (Y[0] + Y[1] + Y[2]) / 3];
    const [ix, iy] = [sx - X[2], sy - Y[2]];
    const Li = Math.hypot(ix, iy);
    const [mx, my] = [-iy / Li, ix / Li];
    for (const s of [0.2, 0.5, 0.8]) {
      const [x, y] = [X[2] + s * ix, Y[2] + s * iy];
      const plus = (-3 * evA(x, y) + 4 * evA(x + h * mx, y + h * my) - evA(x + 2 * h * mx, y + 2 * h * my)) / (2 * h);
      const minus = -(-3 * evA(x, y) + 4 * evA(x - h * mx, y - h * my) - evA(x - 2 * h * mx, y - 2 * h * my)) / (2 * h);
      expect(Math.abs(plus - minus)).toBeLessThan(1e-5);
    }
  });
});

describe('lines, volumes and other shapes', () => {
  it('1-D: linear and natural spline reproduce a ramp; the spline beats linear on a smooth signal', () => {
    const L = 200;
    const rng = new Rng(4);
    const m = new Uint8Array(L).map(() => (rng.uniform() < 0.3 ? 1 : 0));
    m[0] = m[L - 1] = 1;
    const ramp = new Float32Array(L).map((_, i) => 3 - 0.5 * i);
    for (const method of ['linear', 'cubic', 'natural']) expect(maxError(inpaint(method, ramp, [L], 1, m), ramp)).toBeLessThan(1e-4);
    const smooth = new Float32Array(L).map((_, i) => Math.sin(i / 9));
    const err = (method: string) => {
      const out = inpaint(method, smooth, [L], 1, m);
      let e = 0;
      for (let i = 0; i < L; i++) if (!m[i]) e += (out[i] - smooth[i]) ** 2;
      return e;
    };
    // Interpolation error O(h²·f'') for linear, O(h⁴·f'''') for the spline: smaller for sure.
    expect(err('cubic')).toBeLessThan(err('linear'));
  });

  it('1-D: holds the end values beyond the first and last observed samples; a 1×W image is a line', () => {
    const v = new Float32Array([9, 9, 1, 9, 5, 9, 9]);
    const m = new Uint8Array([0, 0, 1, 0, 1, 0, 0]);
    for (const shape of [[7], [1, 7], [7, 1]]) {
      const out = inpaint('linear', v, shape, 1, m);
      expect(Array.from(out)).toEqual([1, 1, 1, 3, 5, 5, 5]);
    }
  });

  it('volumes go plane by plane over the last two axes; an empty plane takes its nearest neighbours', () => {
    const [D, H, W] = [5, 24, 27];
    const f = (z: number, y: number, x: number) => 10 * z + 2 * y - x + 3 + 5 * z * z;
    const v = new Float32Array(D * H * W);
    const m = new Uint8Array(D * H * W);
    const rng = new Rng(12);
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const i = (z * H + y) * W + x;
          v[i] = f(z, y, x);
          const border = y === 0 || x === 0 || y === H - 1 || x === W - 1;
          m[i] = z === 2 ? 0 : z === 1 || z === 3 ? 1 : border || rng.uniform() < 0.2 ? 1 : 0;
        }
    for (const method of ['linear', 'cubic', 'natural']) {
      const out = inpaint(method, v, [D, H, W], 1, m);
      let wrong = 0;
      for (let z = 0; z < D; z++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) {
            const o = out[(z * H + y) * W + x];
            // Affine within each plane: exact; plane 2 (nothing observed): a copy of plane 1 or 3.
            const ok = z === 2 ? o === Math.fround(f(1, y, x)) || o === Math.fround(f(3, y, x)) : Math.abs(o - f(z, y, x)) < 1e-3;
            if (!ok) wrong++;
          }
      expect(wrong).toBe(0);
    }
  });

  it('normalised convolution fills 1-D to 4-D data with wide holes, finite everywhere', () => {
    for (const shape of [[300], [40, 50], [12, 20, 22], [3, 4, 15, 16]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const m = new Uint8Array(n);
      for (let i = 0; i < n; i++) m[i] = i % 97 < 5 ? 1 : 0; // long runs of holes
      const v = new Float32Array(n * 2).map((_, i) => (m[i >> 1] ? 7 + (i & 1) : NaN));
      const out = inpaint('nconv', v, shape, 2, m);
      expect(out.every(Number.isFinite)).toBe(true);
      // A constant per channel stays that constant.
      expect(
        maxError(
          out.filter((_, i) => (i & 1) === 0),
          new Float32Array(n).fill(7),
        ),
      ).toBeLessThan(1e-4);
    }
  });
});

describe('refusals, errors and hooks', () => {
  const v = new Float32Array(16 * 16);
  const m = new Uint8Array(16 * 16).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const mask3 = m;
  const finer = (L: number) => ({ start: -0.25, step: 0.5, count: 2 * L });

  it('refuses a task a baseline cannot do, in one line', () => {
    expect(() => inpaint('lanczos', v, [16, 16], 1, m)).toThrow(/lanczos cannot fill scattered holes \(methods that can: linear, cubic, natural, nconv, nearest\)/);
    expect(() =>
      resample('nconv', v, [16, 16], 1, [
        { start: 0, step: 0.5, count: 32 },
        { start: 0, step: 0.5, count: 32 },
      ]),
    ).toThrow(/nconv cannot resample onto a finer grid/);
    expect(refusal('cubic', 'interp', [64, 64])).toMatch(/3 or more axes/);
    expect(refusal('cubic', 'interp', [8, 64, 64])).toBeUndefined();
    expect(refusal('linear', 'fit')).toMatch(/needs samples to fill/);
    expect(refusal('bogus', 'inpaint')).toMatch(/not a classical baseline/);
    for (const why of [refusal('lanczos', 'inpaint'), refusal('natural', 'superres'), refusal('linear', 'fit')]) expect(why).not.toMatch(/\n/);
  });

  it('does every task its table entry lists, and refuses the others', () => {
    const vol = new Float32Array(4 * 16 * 16).map((_, i) => i % 17);
    const grids2 = [finer(16), finer(16)];
    const gridsZ = [
      { start: 0, step: 0.5, count: 7 },
      { start: 0, step: 1, count: 16 },
      { start: 0, step: 1, count: 16 },
    ];
    for (const m of CLASSICAL_METHODS) {
      const run = {
        inpaint: () => inpaint(m.id, v, [16, 16], 1, mask3),
        superres: () => resample(m.id, v, [16, 16], 1, grids2),
        interp: () => resample(m.id, vol, [4, 16, 16], 1, gridsZ),
      };
      for (const task of ['inpaint', 'superres', 'interp'] as const) {
        if (m.tasks.includes(task)) expect(run[task]().every(Number.isFinite)).toBe(true);
        else expect(run[task]).toThrow(refusal(m.id, task)!);
      }
      expect(m.how).toEqual(Object.fromEntries(m.tasks.map((t) => [t, m.how[t]])));
    }
  });

  it('checks the layout and the mask', () => {
    expect(() => inpaint('linear', v, [16, 15], 1, m)).toThrow(/expected 240 × 1/);
    expect(() => inpaint('linear', v, [16, 16], 1, m.subarray(1))).toThrow(/mask has 255 entries/);
    expect(() => inpaint('linear', v, [16, 16], 1, new Uint8Array(256))).toThrow(/hides every sample/);
    expect(() => inpaint('nconv', v, [16, 16], 1, m, {}, { sigma: -1 })).toThrow(/sigma/);
  });

  it('reports progress up to 1 and stops when cancelled', () => {
    const seen: number[] = [];
    inpaint('cubic', v, [16, 16], 1, m, { onProgress: (_s, f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f) => f >= 0 && f <= 1)).toBe(true);
    const ac = new AbortController();
    ac.abort();
    for (const method of ['linear', 'cubic', 'natural', 'nconv', 'nearest']) {
      expect(() => inpaint(method, v, [16, 16], 1, m, { signal: ac.signal })).toThrow(/cancelled/);
    }
    expect(() =>
      resample(
        'cubic',
        v,
        [16, 16],
        1,
        [
          { start: 0, step: 0.5, count: 32 },
          { start: 0, step: 0.5, count: 32 },
        ],
        { signal: ac.signal },
      ),
    ).toThrow(/cancelled/);
  });
});
