/**
 * How hard is the occupancy target of issue 16 (IoU ≥ 0.97 with params ≤ 1 % of the voxels) on
 * the volumes? Two references that need no fitting, on each volume's Otsu occupancy (the grid the
 * `occupancy` command fits):
 *
 * - a coarse grid at the same storage: the 0/1 grid box-averaged by f = 100^(1/3) ≈ 4.64 per axis
 *   (about 1 % of the voxels stored), trilinear back to the full grid, thresholded at ½;
 * - the voxel-scale detail: the IoU of the grid with its own 3³ and 5³ majority filter (box mean
 *   ≥ ½). Where a filter that only removes detail one or two voxels across already drops the IoU
 *   below 0.97, a representation at 1 % of the voxels must reproduce that detail to reach 0.97.
 *
 *   node --import tsx tests/bench/occupancy-floor.ts        # writes bench-results/occupancy-floor.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openField } from '../../main/data/index';
import { occupancyFromVolume } from '../../main/mesh/occupancy';
import { occupancyIoU } from '../../main/mesh/metrics';
import { sample } from '../helpers/samples';

/** Box mean of half-width r along each axis (clipped at the borders), separable. */
function boxMean(v: ArrayLike<number>, shape: number[], r: number): Float64Array {
  let a = Float64Array.from(v);
  const [, H, W] = shape;
  const strides = [H * W, W, 1];
  for (let ax = 0; ax < 3; ax++) {
    const b = new Float64Array(a.length);
    const L = shape[ax];
    const st = strides[ax];
    for (let i = 0; i < a.length; i++) {
      const c = Math.floor(i / st) % L;
      let s = 0;
      let n = 0;
      for (let k = Math.max(-r, -c); k <= Math.min(r, L - 1 - c); k++, n++) s += a[i + k * st];
      b[i] = s / n;
    }
    a = b;
  }
  return a;
}

/** Box-average by f per axis, then trilinear back to the grid (cell-centred). */
function coarseGrid(v: ArrayLike<number>, shape: number[], f: number): { values: Float64Array; stored: number; coarse: number[] } {
  const [D, H, W] = shape;
  const d = shape.map((L) => Math.max(2, Math.ceil(L / f)));
  const g = new Float64Array(d[0] * d[1] * d[2]);
  const c = new Float64Array(g.length);
  const cell = (x: number, a: number) => Math.min(d[a] - 1, Math.floor((x * d[a]) / shape[a]));
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const k = (cell(z, 0) * d[1] + cell(y, 1)) * d[2] + cell(x, 2);
        g[k] += v[(z * H + y) * W + x];
        c[k]++;
      }
  for (let i = 0; i < g.length; i++) g[i] /= Math.max(c[i], 1);
  const out = new Float64Array(D * H * W);
  const pos = (x: number, a: number) => {
    const p = Math.min(Math.max(((x + 0.5) * d[a]) / shape[a] - 0.5, 0), d[a] - 1);
    const i0 = Math.min(Math.floor(p), d[a] - 2);
    return [i0, p - i0];
  };
  for (let z = 0; z < D; z++) {
    const [z0, a] = pos(z, 0);
    for (let y = 0; y < H; y++) {
      const [y0, b] = pos(y, 1);
      for (let x = 0; x < W; x++) {
        const [x0, e] = pos(x, 2);
        let s = 0;
        for (let dz = 0; dz < 2; dz++)
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++) s += (dz ? a : 1 - a) * (dy ? b : 1 - b) * (dx ? e : 1 - e) * g[((z0 + dz) * d[1] + y0 + dy) * d[2] + x0 + dx];
        out[(z * H + y) * W + x] = s;
      }
    }
  }
  return { values: out, stored: g.length, coarse: d };
}

const rows: Record<string, unknown>[] = [];
for (const name of ['ch2_colin27_T1_181x217x181_uint8.nii.gz', 'stent_ct_128x128x256_int16.nii.gz']) {
  const occ = occupancyFromVolume(await openField(sample('volumes', name)), { threshold: 'otsu' }).field;
  const voxels = occ.values.length;
  let inside = 0;
  for (const v of occ.values) inside += v >= 0.5 ? 1 : 0;
  const coarse = coarseGrid(occ.values, occ.shape, Math.cbrt(100));
  const row = {
    volume: name,
    shape: occ.shape,
    occupied_fraction: +(inside / voxels).toFixed(4),
    coarse_grid_1pct: { grid: coarse.coarse, stored_fraction: +(coarse.stored / voxels).toFixed(4), iou: +occupancyIoU(coarse.values, occ.values).iou.toFixed(4) },
    majority_3: +occupancyIoU(boxMean(occ.values, occ.shape, 1), occ.values).iou.toFixed(4),
    majority_5: +occupancyIoU(boxMean(occ.values, occ.shape, 2), occ.values).iou.toFixed(4),
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}
const dir = join(process.cwd(), 'bench-results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'occupancy-floor.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
