/**
 * 3-D occupancy benchmark (issue 16): voxelise, fit ELM-INR with params ≤ 1 % of the voxels,
 * threshold at ½, IoU, marching cubes, Chamfer/Hausdorff, time and peak memory.
 *
 *   node --import tsx tests/bench/occupancy.ts               # every case, one process each
 *   node --import tsx tests/bench/occupancy.ts --only bunny  # cases whose name contains "bunny"
 *   node --import tsx tests/bench/occupancy.ts --only 'chooser,siren'  # any of these; the other
 *                                                  # cases keep their last figures in the JSON
 *
 * Cases:
 * - the shared bunny (OFF) voxelised at 256³ (and the voxelisation alone at 512³, for its time and
 *   memory), fitted on the 0/1 occupancy and on the smoothed occupancy ½(1 + tanh(d/w)) (d the
 *   signed distance in voxels, main/mesh/distance.ts; same ½ level set); Chamfer and Hausdorff
 *   between the marching-cubes surface of the fit and the input mesh;
 * - Colin27 (T1 MR) and the stent CT, occupancy by Otsu's threshold on their own grids (and
 *   Colin27 resampled trilinearly to 256 along its longest side, the 256³, as `--res
 *   256` does); their surfaces are compared with the marching-cubes surface of the occupancy
 *   itself (there is no input mesh).
 * The fit is `runFitTask(field, { method, params: { budget, hidden } })`. With the budget alone the
 * ELM chooser (inr/elm/config.ts) picks the cells and hidden size. It used to pick the width whose
 * whole cells filled the budget best: m = 129 on 968 cells for the bunny at 256³, m = 603 on 27
 * cells at 128³, m = 277 for Colin27 and m = 322 for the stent, whose Gram matrices (rows × m² per
 * distinct cell pattern, up to 3³ patterns) took over 15 minutes on this 2-core machine; on
 * volumes at budgets this small it now takes the narrowest width (64) on more cells, filled to the
 * budget. The m = 64 cases below fix the hidden size and let the budget choose the cells. Each
 * case records what the chooser picks and that estimated cost.
 *
 * SIREN at the same params (issue 16 point 7): `method: 'siren'` with `--loss bce`, SIREN's default
 * depth (3 hidden layers) and the widest width whose params do not exceed what the ELM chooser
 * stores on the same grid at the same budget; default minibatches (2^16 samples), default lr, a
 * fixed number of Adam steps (and a time limit, so the case ends on this 2-core CPU), at 128³ and,
 * capped at 25 minutes of training, at 256³.
 *
 * IoU counts the voxels of the fitted grid ≥ ½ against the occupancy (METHODS.md §14.4); Chamfer
 * is the mean of the two directed mean distances between 100k seeded samples of each surface,
 * Hausdorff their max (main/mesh/metrics.ts), in the source's units. Times are wall seconds on
 * whatever else the machine runs; `cpu_seconds` is the process's CPU time (all threads).
 * Writes bench-results/occupancy.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openField } from '../../main/data/index';
import { readMesh } from '../../main/data/mesh/index';
import type { Field } from '../../main/core/field';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { createModel } from '../../main/inr/elm/model';
import { METHOD_DEFAULTS } from '../../main/inr/nets/options';
import { widths } from '../../main/inr/nets/net';
import { cleanOccupancy } from '../../main/mesh/cleanup';
import { occupancyBytes, occupancyField, occupancyFromVolume, resampleVolume } from '../../main/mesh/occupancy';
import { smoothOccupancy } from '../../main/mesh/distance';
import { voxelizeMesh } from '../../main/mesh/voxelize';
import { extractSurface, fieldGeometry } from '../../main/mesh/extract';
import { occupancyIoU, surfaceDistances } from '../../main/mesh/metrics';
import { meshTopology, type TriMesh } from '../../main/mesh/trimesh';
import { runFitTask } from '../../main/tasks/fit';
import { closeProcessPool } from '../../main/inr/elm/parallel';
import { sample } from '../helpers/samples';

interface CaseSpec {
  name: string;
  kind: 'mesh' | 'volume' | 'voxelize';
  path: string;
  resolution?: number;
  /** Smoothed-occupancy target of this half-width (voxels); 0 = the 0/1 occupancy. */
  smooth?: number;
  /** ELM params as a fraction of the voxels (default 0.01). */
  fraction?: number;
  hidden?: number;
  /** Volumes: smooth by a Gaussian of this σ (mm), keep the N largest pieces, and fill the holes slice by slice (cleanup.ts). */
  sigma?: number;
  islands?: number;
  fill?: boolean;
  /** 'elm' (default), 'elm-beam' or 'siren' (sized to the ELM chooser's params on this grid). */
  method?: string;
  /** Nets: Adam steps and a wall-clock limit on training (s). */
  steps?: number;
  maxSeconds?: number;
}

const bunny = sample('meshes', 'bunny00.off');
const colin = sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz');
const stent = sample('volumes', 'stent_ct_128x128x256_int16.nii.gz');

const CASES: CaseSpec[] = [
  { name: 'bunny voxelise 256', kind: 'voxelize', path: bunny, resolution: 256 },
  { name: 'bunny voxelise 512', kind: 'voxelize', path: bunny, resolution: 512 },
  { name: 'bunny 256 elm 1% (chooser)', kind: 'mesh', path: bunny, resolution: 256 },
  { name: 'bunny 128 elm 1% (chooser)', kind: 'mesh', path: bunny, resolution: 128 },
  { name: 'bunny 128 siren bce, the ELM chooser params', kind: 'mesh', path: bunny, resolution: 128, method: 'siren', steps: 500, maxSeconds: 720 },
  // At 256³ a step takes seconds on this CPU: training is capped at 25 minutes (the report gives the steps run).
  { name: 'bunny 256 siren bce, the ELM chooser params (25 min cap)', kind: 'mesh', path: bunny, resolution: 256, method: 'siren', steps: 500, maxSeconds: 1500 },
  { name: 'bunny 256 elm 1% m=129 (the former chooser)', kind: 'mesh', path: bunny, resolution: 256, hidden: 129 },
  { name: 'bunny 256 elm 1% m=64', kind: 'mesh', path: bunny, resolution: 256, hidden: 64 },
  { name: 'bunny 256 elm 1% m=64 smoothed target (w=16)', kind: 'mesh', path: bunny, resolution: 256, hidden: 64, smooth: 16 },
  { name: 'colin27 otsu elm 1% (chooser)', kind: 'volume', path: colin },
  // The grid: 256 samples along the longest side (the stent has 256 already; Colin27 217).
  { name: 'colin27 at 256 otsu elm 1% (chooser)', kind: 'volume', path: colin, resolution: 256 },
  { name: 'stent otsu elm 1% (chooser)', kind: 'volume', path: stent },
  // The head's own occupancy (inside its skin) rather than the tissue threshold: the Otsu mask's
  // largest piece with its holes filled slice by slice (`--islands 1 --fill`).
  { name: 'colin27 head (otsu, largest piece, filled) at 256 elm 1% (chooser)', kind: 'volume', path: colin, resolution: 256, islands: 1, fill: true },
  { name: 'stent largest piece filled elm 1% (chooser)', kind: 'volume', path: stent, islands: 1, fill: true },
  // The same after smoothing the mask (`--smooth S`), as a segmentation editor does to CT noise at the threshold.
  { name: 'stent smoothed 1 mm largest piece filled elm 1% (chooser)', kind: 'volume', path: stent, sigma: 1, islands: 1, fill: true },
  { name: 'stent smoothed 2 mm largest piece filled elm 1% (chooser)', kind: 'volume', path: stent, sigma: 2, islands: 1, fill: true },
  { name: 'stent otsu smoothed 2 mm elm 1% (chooser)', kind: 'volume', path: stent, sigma: 2 },
  {
    name: 'stent smoothed 2 mm largest piece filled siren bce, the ELM chooser params (25 min cap)',
    kind: 'volume',
    path: stent,
    sigma: 2,
    islands: 1,
    fill: true,
    method: 'siren',
    steps: 500,
    maxSeconds: 1500,
  },
  // Against SIREN at the same params on the smoothed stent at 128 along its longest side.
  { name: 'stent smoothed 2 mm at 128 elm 1% (chooser)', kind: 'volume', path: stent, resolution: 128, sigma: 2, islands: 1, fill: true },
  {
    name: 'stent smoothed 2 mm at 128 siren bce, the ELM chooser params',
    kind: 'volume',
    path: stent,
    resolution: 128,
    sigma: 2,
    islands: 1,
    fill: true,
    method: 'siren',
    steps: 500,
    maxSeconds: 720,
  },
  // SIREN at the ELM chooser's params on the head at 128 (a net at 256 is hours on this CPU).
  { name: 'colin27 head at 128 elm 1% (chooser)', kind: 'volume', path: colin, resolution: 128, islands: 1, fill: true },
  {
    name: 'colin27 head at 128 siren bce, the ELM chooser params',
    kind: 'volume',
    path: colin,
    resolution: 128,
    islands: 1,
    fill: true,
    method: 'siren',
    steps: 500,
    maxSeconds: 720,
  },
  { name: 'colin27 otsu elm-beam 1%', kind: 'volume', path: colin, method: 'elm-beam' },
  { name: 'colin27 otsu elm 1% m=64', kind: 'volume', path: colin, hidden: 64 },
  { name: 'stent otsu elm 1% m=64', kind: 'volume', path: stent, hidden: 64 },
  { name: 'stent otsu elm-beam 1% m=64', kind: 'volume', path: stent, hidden: 64, method: 'elm-beam' },
  { name: 'stent otsu elm 5% m=64', kind: 'volume', path: stent, hidden: 64, fraction: 0.05 },
];

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function runCase(spec: CaseSpec): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const out: Record<string, unknown> = { name: spec.name };
  const stage = (name: string, since: number) => {
    out[`seconds_${name}`] = r4((performance.now() - since) / 1000);
    return performance.now();
  };
  let t = t0;
  let occupancy: Field;
  let reference: TriMesh | undefined;
  if (spec.kind === 'mesh' || spec.kind === 'voxelize') {
    const file = await readMesh(spec.path);
    t = stage('read', t);
    out.mesh = { vertices: file.mesh.positions.length / 3, triangles: file.mesh.triangles.length / 3, closed: file.topology.closed, warnings: file.warnings };
    const { grid, stats } = voxelizeMesh(file.mesh, { resolution: spec.resolution });
    t = stage('voxelize', t);
    out.grid = {
      shape: grid.shape,
      spacing: r6(grid.spacing[0]),
      voxels: stats.voxels,
      inside: stats.inside,
      undecided: stats.undecided,
      winding_queries: stats.windingQueries,
      broken_rays: stats.brokenRays,
    };
    if (spec.kind === 'voxelize') {
      out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
      out.seconds = r4((performance.now() - t0) / 1000);
      return out;
    }
    occupancy = occupancyField(grid, spec.path, { stats, format: file.format });
    reference = file.mesh;
  } else {
    let src = await openField(spec.path);
    t = stage('read', t);
    if (spec.resolution) {
      src = resampleVolume(src, spec.resolution, 'linear');
      t = stage('resample', t);
    }
    const o = occupancyFromVolume(src, { threshold: 'otsu' });
    occupancy = o.field;
    t = stage('threshold', t);
    out.grid = { shape: occupancy.shape, spacing: occupancy.geometry.spacing, voxels: occupancy.values.length, inside: o.inside, threshold: o.threshold };
    if (spec.sigma !== undefined || spec.islands !== undefined || spec.fill) {
      const c = cleanOccupancy(occupancy, { smooth: spec.sigma, islands: spec.islands, fill: spec.fill });
      occupancy = c.field;
      t = stage('cleanup', t);
      out.cleanup = {
        smooth: spec.sigma,
        smoothAdded: c.smoothAdded,
        smoothRemoved: c.smoothRemoved,
        islands: spec.islands,
        fill: Boolean(spec.fill),
        pieces: c.pieces,
        removed: c.removed,
        filled: c.filled,
        inside: c.inside,
      };
    }
  }
  const voxels = occupancy.values.length;
  const budget = Math.floor((spec.fraction ?? 0.01) * voxels);
  const chooser = resolveElmSpec(occupancy.shape, 1, { budget });
  // Gram cost of the chooser's mesh: support rows × (m + d + 1)² per distinct cell pattern (≤ 3 per axis).
  const support = occupancy.shape.map((L, a) => {
    const w = Math.ceil(L / chooser.cells[a]);
    return Math.min(L, Math.floor(w + 2 * chooser.overlap * w + 1));
  });
  const features = chooser.hidden + 4;
  const patterns = chooser.cells.reduce((n, c) => n * Math.min(c, 3), 1);
  out.default_chooser = { hidden: chooser.hidden, cells: chooser.cells, gram_gflop: Math.round((support.reduce((a, b) => a * b, 1) * features * features * patterns) / 1e9) };
  let target = occupancy;
  if (spec.smooth) {
    const values = smoothOccupancy(occupancyBytes(occupancy), occupancy.shape as [number, number, number], spec.smooth);
    target = { ...occupancy, values, dtype: 'float32' };
    t = stage('smooth', t);
  }
  const c0 = cpuSeconds();
  const method = spec.method ?? 'elm';
  out.method = method;
  let params: Record<string, unknown> = spec.hidden === undefined ? { budget } : { budget, hidden: spec.hidden };
  if (method === 'siren') {
    // The same params as the ELM chooser on this grid and budget: SIREN's depth, the widest width within them.
    const elmParams = createModel(chooser).weights.length;
    const layers = METHOD_DEFAULTS.siren.hidden;
    const count = (w: number) => {
      const dims = widths(3, w, layers, 1);
      let n = 0;
      for (let l = 0; l + 1 < dims.length; l++) n += (dims[l] + 1) * dims[l + 1];
      return n;
    };
    let width = 1;
    while (count(width + 1) <= elmParams) width++;
    params = { width, layers, loss: 'bce', steps: spec.steps, maxSeconds: spec.maxSeconds };
    out.same_params_as = { method: 'elm', params: elmParams, hidden: chooser.hidden, cells: chooser.cells };
  }
  out.fit_params = params;
  const fit = await runFitTask(target, { method, params });
  t = stage('fit_and_reconstruct', t);
  out.cpu_seconds_fit = r4(cpuSeconds() - c0);
  const rep = fit.report as unknown as Record<string, unknown>;
  out.params = rep.params;
  out.params_per_voxel = r6((rep.params as number) / voxels);
  if (rep.mesh) out.elm = rep.mesh;
  if (rep.beam) out.beam = rep.beam;
  if (rep.net) out.net = rep.net;
  if (rep.training) out.training = rep.training;
  out.backend = rep.backend;
  const iou = occupancyIoU(fit.reconstruction.values, occupancy.values);
  out.iou = r6(iou.iou);
  t = stage('iou', t);
  const geo = fieldGeometry(occupancy);
  const surface = extractSurface(fit.reconstruction.values, geo, { level: 0.5, name: 'fit', units: occupancy.units });
  t = stage('marching_cubes', t);
  const topo = meshTopology(surface);
  out.surface = { triangles: surface.triangles.length / 3, closed: topo.closed };
  // Without an input mesh, compare with the occupancy's own surface.
  reference ??= extractSurface(occupancy.values, geo, { level: 0.5, name: 'occupancy', units: occupancy.units });
  const d = surfaceDistances(surface, reference, { samples: 100_000, seed: 1 });
  stage('distances', t);
  out.chamfer = r6(d.chamfer);
  out.hausdorff = r6(d.hausdorff);
  out.distance_detail = {
    chamfer_fit_to_ref: r6(d.chamferAB),
    chamfer_ref_to_fit: r6(d.chamferBA),
    sample_spacing: d.sampleSpacing.map(r6),
    reference: spec.kind === 'mesh' ? 'input mesh' : 'marching cubes of the occupancy',
  };
  out.units = occupancy.units ?? 'mesh units';
  out.seconds = r4((performance.now() - t0) / 1000);
  out.cpu_seconds = r4(cpuSeconds());
  out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  out.target = { iou: 0.97, params_max_fraction: 0.01, met: iou.iou >= 0.97 && (rep.params as number) <= 0.01 * voxels };
  // Free the worker threads so the process can exit.
  await closeProcessPool();
  return out;
}

const caseArg = process.argv.indexOf('--case');
if (caseArg >= 0) {
  const spec = JSON.parse(process.argv[caseArg + 1]) as CaseSpec;
  const res = await runCase(spec);
  console.log(JSON.stringify(res));
  process.exit(0);
}

const only = process.argv.indexOf('--only');
const filters = only >= 0 ? process.argv[only + 1].split(',') : undefined;
const self = fileURLToPath(import.meta.url);
const dir = join(process.cwd(), 'bench-results');
const file = join(dir, 'occupancy.json');
// A partial run keeps the last figures of the cases it does not run (each with its own date).
const previous = new Map<string, Record<string, unknown>>();
if (filters && existsSync(file)) {
  const old = JSON.parse(readFileSync(file, 'utf8')) as { date: string; results: Record<string, unknown>[] };
  for (const r of old.results) previous.set(r.name as string, { date: old.date, ...r });
}
const results: Record<string, unknown>[] = [];
for (const c of CASES) {
  if (filters && !filters.some((f) => c.name.includes(f))) {
    const p = previous.get(c.name);
    if (p) results.push(p);
    continue;
  }
  process.stderr.write(`${c.name} …\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', JSON.stringify(c)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let res: Record<string, unknown>;
  try {
    res = JSON.parse(line);
  } catch {
    res = { name: c.name, error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') };
  }
  console.log(JSON.stringify(res));
  results.push({ date: new Date().toISOString(), ...res });
}
mkdirSync(dir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30) },
  node: process.version,
  results,
};
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
process.stderr.write(`wrote ${file}\n`);
