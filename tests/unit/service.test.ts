/**
 * The engine service behind the API contract, in process and on the shared sample files: planes
 * through any two axes, block-averaged volumes, thumbnails of listing entries, folder uploads,
 * brushed inpainting masks, and the export of a fit's outputs.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent, JobResult } from '../../main/api/contract';
import { validateRequest } from '../../main/api/validate';
import { createField, type Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { decodeModel } from '../../main/inr/elm/io';
import { readMesh } from '../../main/data/mesh/index';
import { EngineService } from '../../main/service/engine';
import { planeOf, sliceOf, thumbnailOf, volumeOf } from '../../main/core/sampling';
import { sample } from '../helpers/samples';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** v(t, z, y, x) = 1000 t + 100 z + 10 y + x, with two channels (v, −v): every sample says where it is. */
function indexField(shape: number[]): Field {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    let r = i;
    let v = 0;
    let w = 1;
    for (let k = shape.length - 1; k >= 0; k--) {
      v += (r % shape[k]) * w;
      r = Math.floor(r / shape[k]);
      w *= 10;
    }
    values[2 * i] = v;
    values[2 * i + 1] = -v;
  }
  const axes = ['t', 'z', 'y', 'x'].slice(4 - shape.length);
  return createField({ axes, shape, channels: ['v', 'w'], values, dtype: 'float32', provenance: { format: 'test', path: 'index' } });
}

describe('planes, volumes and thumbnails', () => {
  it('cuts a plane through any two axes in storage order', () => {
    const f = indexField([3, 4, 5, 6]);
    const coronal = planeOf(f, [1, 3], [2, 9, 3, 9]); // z × x at t = 2, y = 3
    expect([coronal.height, coronal.width, coronal.channels]).toEqual([4, 6, 2]);
    for (let z = 0; z < 4; z++)
      for (let x = 0; x < 6; x++) {
        expect(coronal.values[(z * 6 + x) * 2]).toBe(2000 + 100 * z + 30 + x);
        expect(coronal.values[(z * 6 + x) * 2 + 1]).toBe(-(2000 + 100 * z + 30 + x));
      }
    // The default plane equals the last-two-axes slice.
    const axial = planeOf(f, [2, 3], [1, 2, 0, 0]);
    expect(Array.from(axial.values)).toEqual(Array.from(sliceOf(f, [1, 2]).values));
    expect(() => planeOf(f, [3, 1], [0, 0, 0, 0])).toThrow(/increasing/);
    expect(() => planeOf(f, [1, 2], [3, 0, 0, 0])).toThrow(/out of range on axis t/);
  });

  it('block-averages a volume to fit the voxel budget, leaving masked samples out', () => {
    const f = indexField([4, 6, 8]);
    f.mask = new Uint8Array(4 * 6 * 8).fill(1);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) f.mask[0 * 48 + y * 8 + x] = 0; // one whole 2×2×2 block at z=0 only
    for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) f.mask[1 * 48 + y * 8 + x] = 0;
    const full = volumeOf(f, 0, [], 1e9);
    expect(full.shape).toEqual([4, 6, 8]);
    expect(full.step).toEqual([1, 1, 1]);
    const v = volumeOf(f, 0, [], (4 * 6 * 8) / 8);
    expect(v.shape).toEqual([2, 3, 4]);
    expect(v.step).toEqual([2, 2, 2]);
    expect(Number.isNaN(v.values[0])).toBe(true);
    // Block (0, 1, 1): z 0–1, y 2–3, x 2–3 → mean of 100z + 10y + x.
    expect(v.values[0 * 12 + 1 * 4 + 1]).toBeCloseTo(50 + 25 + 2.5, 5);
    expect(v.max).toBeCloseTo(250 + 45 + 6.5, 5);
    const neg = volumeOf(f, 1, [], 1e9);
    expect(neg.values[3 * 48 + 5 * 8 + 7]).toBe(-357);
    expect(() => volumeOf(indexField([5, 6]), 0, [], 100)).toThrow(/needs 3/);
  });

  it('makes windowed 8-bit thumbnails no larger than asked', () => {
    const f = indexField([40, 100]);
    const t = thumbnailOf(sliceOf(f, []), 0, 50, { center: 250, width: 500 });
    expect([t.width, t.height]).toEqual([50, 20]);
    expect(t.pixels[0]).toBeLessThan(t.pixels[t.pixels.length - 1]);
    expect(t.pixels[t.pixels.length - 1]).toBeGreaterThan(200);
  });
});

describe('EngineService on the shared samples', () => {
  let engine: EngineService;
  const events: JobEvent[] = [];
  let out: string;

  beforeAll(() => {
    engine = new EngineService();
    engine.onJobEvent((e) => events.push(e));
    out = mkdtempSync(join(tmpdir(), 'inr-service-'));
  });
  afterAll(async () => {
    await engine.close();
    rmSync(out, { recursive: true, force: true });
  });

  function finished(jobId: string, timeout = 120_000): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        const e = events.find((x) => x.jobId === jobId && (x.type === 'done' || x.type === 'error'));
        if (e?.type === 'done') {
          clearInterval(poll);
          resolve(e.result);
        } else if (e?.type === 'error') {
          clearInterval(poll);
          reject(new Error(`${e.error.code}: ${e.error.message}`));
        } else if (Date.now() - t0 > timeout) {
          clearInterval(poll);
          reject(new Error('timed out'));
        }
      }, 50);
    });
  }

  it('reports the patient frame of medical volumes only', async () => {
    const nifti = await engine.open({ path: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz') });
    expect(nifti.orientation?.frame).toBe('RAS');
    expect(nifti.orientation?.direction).toHaveLength(9);
    const dicom = await engine.open({ path: sample('dicom', 'mr-series') });
    expect(dicom.orientation?.frame).toBe('LPS');
    expect(dicom.orientation?.direction).toHaveLength(9);
    expect((await engine.open({ path: sample('images', 'camera.png') })).orientation).toBeUndefined();
  });

  it('opens a volume as its occupancy, says how, and refuses it on a mesh', async () => {
    const path = sample('volumes', 'stent_ct_128x128x256_int16.nii.gz');
    const plain = await engine.open({ path, occupancy: { threshold: 300 } });
    expect(plain.format).toBe('occupancy');
    expect(plain.dtype).toBe('uint8');
    expect(plain.shape).toEqual([256, 128, 128]);
    expect(plain.occupancyRule).toBe('value ≥ 300');
    // Its spacing is in the volume's length unit on every axis.
    expect(plain.units).toBe('mm');
    expect(plain.axisUnits).toEqual(['mm', 'mm', 'mm']);
    const clean = await engine.open({ path, occupancy: { threshold: 300, islands: 2, fill: true } });
    expect(clean.occupancyRule).toMatch(/^value ≥ 300, the 2 largest pieces of \d+ \(\d+ voxels dropped\), holes filled slice by slice \(\d+ voxels added\)$/);
    const inside = async (id: string) => (await engine.getVolume({ datasetId: id })).values.reduce((a, v) => a + v, 0);
    expect(await inside(clean.id)).not.toBe(await inside(plain.id));
    // The volume itself is not an occupancy grid and has no rule.
    expect((await engine.open({ path })).occupancyRule).toBeUndefined();
    await expect(engine.open({ path: sample('meshes', 'bunny00.off'), res: 16, occupancy: { fill: true } })).rejects.toThrow(/mesh opens as occupancy already/);
    await expect(engine.open({ path: sample('images', 'camera.png'), occupancy: {} })).rejects.toThrow(/3-D volume/);
  });

  it('lists a DICOM folder and draws a thumbnail of its series', async () => {
    const info = await engine.open({ path: sample('dicom', 'mr-series') });
    const series = info.listing?.series ?? [];
    expect(series.length).toBeGreaterThan(0);
    // The reader's default choice is reported as the selection.
    expect(series.map((x) => x.uid)).toContain(info.selection?.series);
    const t = await engine.thumbnail({ datasetId: info.id, series: series[0].uid, size: 64 });
    expect(Math.max(t.width, t.height)).toBe(64);
    const levels = new Set(t.pixels);
    expect(levels.size).toBeGreaterThan(20);
  });

  it('uploads a folder and opens the same series as by path', async () => {
    const dir = sample('dicom', 'mr-series');
    const files = readdirSync(dir).map((name) => ({ path: `sub/${name}`, bytes: new Uint8Array(readFileSync(join(dir, name))) }));
    const byUpload = await engine.open({ uploadFolder: { name: 'mr-series', files } });
    const byPath = await engine.open({ path: dir });
    expect(byUpload.name).toBe('mr-series');
    expect(byUpload.shape).toEqual(byPath.shape);
    const a = await engine.getSlice({ datasetId: byUpload.id, index: [3] });
    const b = await engine.getSlice({ datasetId: byPath.id, index: [3] });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(() => validateRequest('open', { uploadFolder: { name: 'x', files: [{ path: '../evil', bytes: new Uint8Array(1) }] } })).toThrow(/relative/);
    expect(() => validateRequest('open', { uploadFolder: { name: 'x', files: [{ path: '/etc/passwd', bytes: new Uint8Array(1) }] } })).toThrow(/relative/);
  });

  it('gives NetCDF coordinates with dates and thumbnails of variables', async () => {
    const info = await engine.open({ path: sample('netcdf', 'sub.nc'), variable: 'u' });
    expect(info.selection?.variable).toBe('u');
    const timeAxis = info.axes[0];
    const time = info.coordinates?.[timeAxis];
    expect(time?.iso?.length).toBe(info.shape[0]);
    expect(time?.iso?.[0]).toMatch(/^\d{4}-\d\d-\d\dT/);
    const level = info.coordinates?.[info.axes[1]];
    expect(level?.values.length).toBe(info.shape[1]);
    const names = info.listing?.variables?.map((v) => v.name) ?? [];
    expect(names).toContain('v');
    const byDefault = await engine.open({ path: sample('netcdf', 'sub.nc') });
    expect(names).toContain(byDefault.selection?.variable);
    const t = await engine.thumbnail({ datasetId: info.id, variable: 'v' });
    expect(new Set(t.pixels).size).toBeGreaterThan(10);
    await expect(engine.thumbnail({ datasetId: info.id, variable: 'nope' })).rejects.toThrow(/no variable 'nope'/);
  });

  it('thumbnails each GeoTIFF band from its own values', async () => {
    const info = await engine.open({ path: sample('geotiff', 'L7_ETMs.tif') });
    const field = await openField(sample('geotiff', 'L7_ETMs.tif'));
    const b3 = await engine.thumbnail({ datasetId: info.id, band: 3, size: 32 });
    const b0 = await engine.thumbnail({ datasetId: info.id, band: 0, size: 32 });
    expect(Array.from(b3.pixels)).not.toEqual(Array.from(b0.pixels));
    expect(Array.from(b3.pixels)).toEqual(Array.from(thumbnailOf(sliceOf(field, []), 3, 32).pixels));
    await expect(engine.thumbnail({ datasetId: info.id, band: 99 })).rejects.toThrow(/band 100 out of range/);
  });

  it('inpaints a brushed region, scores it, and exports the reconstruction and the model', async () => {
    const path = sample('images', 'camera.png');
    const info = await engine.open({ path });
    const [H, W] = info.shape;
    const hide = new Uint8Array(H * W);
    for (let y = 200; y < 240; y++) for (let x = 220; x < 260; x++) hide[y * W + x] = 1;
    const { jobId } = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', task: { kind: 'inpaint' }, params: { budget: 60000 }, hide });
    const result = await finished(jobId);
    // The hole is scored on its own (the fill itself is tested in holes.test.ts).
    expect(Number.isFinite(result.metrics.psnr_unobserved)).toBe(true);
    expect(result.metrics.psnr).toBeGreaterThan(result.metrics.psnr_unobserved);
    expect(result.exports).toEqual(['reconstruction', 'model']);

    const rec = await engine.exportResult({ datasetId: info.id, jobId, what: 'reconstruction' });
    expect(rec.name).toBe('camera-elm-reconstruction.png');
    const png = PNG.sync.read(Buffer.from(rec.bytes!));
    expect([png.width, png.height]).toEqual([W, H]);
    const slice = await engine.getSlice({ datasetId: info.id, resultOf: jobId });
    expect(png.data[0]).toBe(Math.max(0, Math.min(255, Math.round(slice.values[0]))));

    const model = await engine.exportResult({ datasetId: info.id, jobId, what: 'model' });
    expect(model.name).toBe('camera-elm-model.inr');
    expect(decodeModel(model.bytes!).field.channels).toEqual(info.channels);
    const target = join(out, 'saved.inr');
    const saved = await engine.exportResult({ datasetId: info.id, jobId, what: 'model', path: target });
    expect(saved.path).toBe(target);
    expect(Array.from(readFileSync(target))).toEqual(Array.from(model.bytes!));
    await expect(engine.exportResult({ datasetId: info.id, jobId, what: 'mesh' })).rejects.toThrow(/no adaptive mesh/);

    const empty = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', task: { kind: 'inpaint' }, hide: new Uint8Array(H * W) });
    await expect(finished(empty.jobId)).rejects.toThrow(/mask is empty/);
    const wrong = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', task: { kind: 'inpaint' }, hide: new Uint8Array(7) });
    await expect(finished(wrong.jobId)).rejects.toThrow(/7 samples/);
  });

  it('returns the BEAM mesh with the result and exports it', async () => {
    const info = await engine.open({ path: sample('images', 'camera.png') });
    const { jobId } = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm-beam', params: { budget: 40000 } });
    const result = await finished(jobId);
    expect(result.mesh?.shape).toEqual(info.shape);
    const cells = result.mesh!.cells;
    expect(cells.length).toBeGreaterThan(1);
    // The core extents tile the image exactly once.
    const covered = new Uint8Array(info.shape[0] * info.shape[1]);
    for (const c of cells) for (let y = c.lo[0]; y < c.lo[0] + c.size[0]; y++) for (let x = c.lo[1]; x < c.lo[1] + c.size[1]; x++) covered[y * info.shape[1] + x]++;
    expect(covered.every((v) => v === 1)).toBe(true);
    const mesh = await engine.exportResult({ datasetId: info.id, jobId, what: 'mesh' });
    expect(JSON.parse(new TextDecoder().decode(mesh.bytes!)).cells.length).toBe(cells.length);
  });

  it('exports the surface of an occupancy fit as STL, PLY or OBJ in the grid’s units, and only there', async () => {
    const info = await engine.open({ path: sample('dicom', 'mr-series'), occupancy: { islands: 1, fill: true } });
    const { jobId } = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', params: { budget: 3000 } });
    const result = await finished(jobId);
    expect(result.exports).toContain('surface');
    const stl = await engine.exportResult({ datasetId: info.id, jobId, what: 'surface' });
    expect(stl.name).toBe('mr-series-elm-surface.stl');
    const ply = await engine.exportResult({ datasetId: info.id, jobId, what: 'surface', format: 'ply', path: join(out, 'head.ply') });
    expect(ply.path).toBe(join(out, 'head.ply'));
    const stlPath = join(out, 'head.stl');
    writeFileSync(stlPath, stl.bytes!);
    const a = (await readMesh(stlPath)).mesh;
    const b = await readMesh(join(out, 'head.ply'));
    // The same surface in both formats: a closed mesh around the head, in millimetres.
    expect(a.triangles.length).toBe(b.mesh.triangles.length);
    expect(a.triangles.length / 3).toBeGreaterThan(1000);
    expect(b.topology.closed).toBe(true);
    expect(b.mesh.units).toBe('mm');
    // Its extent is the head's: within the series' field of view (256 × 0.86 mm across).
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < a.positions.length; i += 3) {
      lo = Math.min(lo, a.positions[i]);
      hi = Math.max(hi, a.positions[i]);
    }
    expect(hi - lo).toBeGreaterThan(100);
    expect(hi - lo).toBeLessThan(256 * 0.86);
    const obj = await engine.exportResult({ datasetId: info.id, jobId, what: 'surface', format: 'obj' });
    expect(new TextDecoder().decode(obj.bytes!.subarray(0, 400))).toMatch(/^#/m);
    // A field that is not an occupancy grid has no surface to export, and says so.
    const image = await engine.open({ path: sample('images', 'camera.png') });
    const plain = await engine.startJob({ kind: 'fit', datasetId: image.id, method: 'elm', params: { budget: 3000 } });
    expect((await finished(plain.jobId)).exports).not.toContain('surface');
    await expect(engine.exportResult({ datasetId: image.id, jobId: plain.jobId, what: 'surface' })).rejects.toThrow(/only the fit of a 3-D occupancy grid/);
    expect(() => validateRequest('exportResult', { datasetId: 'd', jobId: 'j', what: 'model', format: 'stl' })).toThrow(/format is for a surface/);
    expect(() => validateRequest('exportResult', { datasetId: 'd', jobId: 'j', what: 'surface', format: 'vtk' })).toThrow(/format is for a surface/);
  });

  it('exports a DICOM reconstruction as a zipped series, and writes one to a folder', async () => {
    const info = await engine.open({ path: sample('dicom', 'mr-series') });
    const { jobId } = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', params: { budget: 30000 } });
    await finished(jobId);
    const r = await engine.exportResult({ datasetId: info.id, jobId, what: 'reconstruction' });
    expect(r.name).toMatch(/\.zip$/);
    const files = Object.keys(unzipSync(r.bytes!));
    expect(files.length).toBe(info.shape[0]);
    expect(r.files).toBe(info.shape[0]);
    const dir = join(out, 'series');
    const w = await engine.exportResult({ datasetId: info.id, jobId, what: 'reconstruction', path: dir });
    expect(w.files).toBe(info.shape[0]);
    expect(existsSync(dir)).toBe(true);
    const back = await openField(dir);
    expect(back.shape).toEqual(info.shape);
    const vol = await engine.getVolume({ datasetId: info.id, resultOf: jobId, maxVoxels: 10_000 });
    expect(vol.shape[0] * vol.shape[1] * vol.shape[2]).toBeLessThanOrEqual(10_000);
  });
});

describe('engine resources (issue 20 point 4)', () => {
  it('deletes an upload that does not open, and releases the least recently used dataset beyond its limit', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('inr-studio-')));
    const e = new EngineService({ maxOpenDatasets: 2 });
    try {
      await expect(e.open({ upload: { name: 'notes.png', bytes: new TextEncoder().encode('not an image at all, just words') } })).rejects.toMatchObject({ code: 'E_FORMAT' });
      // The scratch folder of this engine holds no copy of the failed upload.
      const scratch = readdirSync(tmpdir()).filter((n) => n.startsWith('inr-studio-') && !before.has(n));
      for (const d of scratch) expect(readdirSync(join(tmpdir(), d))).toEqual([]);
      const a = await e.open({ upload: { name: 'camera.png', bytes: new Uint8Array(readFileSync(sample('images', 'camera.png'))) } });
      const b = await e.open({ path: sample('images', 'astronaut.png') });
      await e.getSlice({ datasetId: a.id });
      const c = await e.open({ path: sample('geotiff', 'elev.tif') });
      // b was used least recently: released, with a clear message; a and c stay.
      await expect(e.getSlice({ datasetId: b.id })).rejects.toThrow(/released/);
      await e.getSlice({ datasetId: a.id });
      await e.getSlice({ datasetId: c.id });
      // Closing an uploaded dataset deletes its copy.
      const copy = a.path;
      expect(existsSync(copy)).toBe(true);
      expect(await e.closeDataset({ datasetId: a.id })).toEqual({ closed: true });
      expect(existsSync(copy)).toBe(false);
    } finally {
      await e.close();
    }
  });

  it('names the input file, never its absolute path, in the model and metrics files', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'inr-names-')), 'camera');
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('../../bin/inr-studio.js', import.meta.url)), 'fit', sample('images', 'camera.png'), '--budget', '5000', '--out', out],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const metrics = readFileSync(join(out, 'metrics.json'), 'utf8');
    const model = readFileSync(join(out, 'model.inr')).toString('latin1');
    const dir = sample('images');
    expect(JSON.parse(metrics).input).toBe('camera.png');
    expect(metrics).not.toContain(dir);
    expect(model).toContain('camera.png');
    expect(model).not.toContain(dir);
    rmSync(join(out, '..'), { recursive: true, force: true });
  });
});
