/**
 * Baseline: inverse-distance weighting (Shepard 1968), the default "IDW interpolation" of GIS
 * tools such as QGIS and gstat. A hidden sample takes the mean of the nearest observed samples
 * (at least `neighbours`, searched in growing windows of the grid), weighted by 1/distance^power;
 * an observed sample keeps its value. Works on grids of any number of axes.
 */
import { cancelled, InrError } from '../../core/errors';
import { defineMethod, type MethodHooks, type MethodInput, type ParamSpecs } from '../types';

interface IdwParams {
  neighbours?: number;
  power?: number;
}

const PARAMS = {
  neighbours: {
    type: 'int',
    label: 'Neighbours',
    min: 1,
    max: 64,
    step: 1,
    default: 8,
    advanced: true,
    help: 'Observed samples each hidden one is averaged from (at least; the whole last search window is used).',
  },
  power: {
    type: 'number',
    label: 'Power',
    min: 0.5,
    max: 8,
    step: 0.5,
    default: 2,
    advanced: true,
    help: 'Weights fall as 1/distance^power: higher values follow the nearest samples more closely.',
  },
} satisfies ParamSpecs<IdwParams>;

/**
 * Fill the samples where `observed` is 0 (values channel-last over `shape`). Windows of radius
 * r = 1, 2, 4, … samples (a square, cube, … around the sample) grow until they hold at least
 * `k` observed samples; every observed sample of that window is weighted by 1/d^p.
 */
function idwFill(values: Float32Array, shape: readonly number[], channels: number, observed: Uint8Array, k: number, p: number, tick: () => void = () => {}): Float32Array {
  const d = shape.length;
  const n = observed.length;
  const C = channels;
  const out = values.slice();
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const maxR = Math.max(...shape);
  const at = new Array<number>(d);
  const lo = new Array<number>(d);
  const hi = new Array<number>(d);
  const cur = new Array<number>(d);
  const acc = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    if (observed[i]) continue;
    if ((i & 4095) === 0) tick();
    for (let a = 0, rest = i; a < d; a++) {
      at[a] = Math.floor(rest / strides[a]);
      rest -= at[a] * strides[a];
    }
    for (let r = 1; ; r *= 2) {
      let found = 0;
      let wsum = 0;
      acc.fill(0);
      for (let a = 0; a < d; a++) {
        lo[a] = Math.max(0, at[a] - r);
        hi[a] = Math.min(shape[a] - 1, at[a] + r);
        cur[a] = lo[a];
      }
      // Every grid sample of the window, odometer order.
      for (;;) {
        let j = 0;
        let dist2 = 0;
        for (let a = 0; a < d; a++) {
          j += cur[a] * strides[a];
          dist2 += (cur[a] - at[a]) ** 2;
        }
        if (observed[j]) {
          found++;
          const w = Math.pow(dist2, -p / 2);
          wsum += w;
          for (let c = 0; c < C; c++) acc[c] += w * values[j * C + c];
        }
        let a = d - 1;
        while (a >= 0 && ++cur[a] > hi[a]) cur[a] = lo[a--];
        if (a < 0) break;
      }
      if (found >= k || (r >= maxR && found > 0)) {
        for (let c = 0; c < C; c++) out[i * C + c] = acc[c] / wsum;
        break;
      }
      if (r >= maxR) throw new InrError('E_DATA', 'no observed sample to interpolate from');
    }
  }
  return out;
}

async function run(input: MethodInput<IdwParams>, hooks: MethodHooks) {
  const { field, params } = input;
  await new Promise((r) => setImmediate(r));
  const total = input.observed.length;
  let seen = 0;
  const tick = () => {
    if (hooks.signal?.aborted) throw cancelled();
    seen += 4096;
    hooks.onProgress('interpolating', Math.min(0.95, seen / total));
  };
  const reconstruction = idwFill(
    field.values,
    field.shape,
    field.channels.length,
    input.observed,
    params.neighbours ?? PARAMS.neighbours.default,
    params.power ?? PARAMS.power.default,
    tick,
  );
  return { reconstruction, params: 0, backend: 'js (1 thread)', fittedAt: performance.now() };
}

export default defineMethod<IdwParams>({
  id: 'idw',
  label: 'Inverse distance weighting (Shepard)',
  short: 'IDW',
  family: 'classical',
  tasks: ['inpaint'],
  params: PARAMS,
  run,
});
