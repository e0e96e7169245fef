/**
 * A volume opened as its occupancy from the dataset panel, through the real engine: the DICOM MR
 * head series (20 slices of 256²), Otsu's threshold, the largest piece kept and its holes filled
 * slice by slice (`inr-studio occupancy --islands 1 --fill`), then an ELM fit of it with its IoU
 * in the runs table and both surfaces side by side.
 *
 * - The occupancy the engine holds is the one the engine's own pipeline makes from the same
 *   series (volumeOccupancy), and the panel says how it was made.
 * - It is another dataset than the volume: its runs are its own, and the volume's form is gone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openField } from '../../main/data/index';
import { readMesh } from '../../main/data/mesh/index';
import { volumeOccupancy } from '../../main/mesh/occupancy';
import { sample } from '../helpers/samples';
import { openByPath, RESULTS, useEngineSession } from './browser';
import { download, runAndWait } from './run-helpers';
import { chooseFit } from './view-helpers';

const SERIES = sample('dicom', 'mr-series');

const env = useEngineSession();

describe('a DICOM MR series opened as the occupancy of the head (real engine)', () => {
  let volumeId = '';
  let datasetId = '';
  let jobId = '';

  it('offers the occupancy of a single-channel volume, and opens it as a dataset of its own', async () => {
    const { page } = env.session;
    await openByPath(page, SERIES);
    volumeId = (await page.locator('[data-testid="view-main"]').getAttribute('data-dataset-id'))!;
    await page.getByTestId('occupancy-form').waitFor();
    // A threshold of one's own is asked for only when chosen.
    await expect(page.getByTestId('occupancy-threshold').count()).resolves.toBe(0);
    await page.getByTestId('occupancy-by').selectOption('value');
    await page.getByTestId('occupancy-threshold').fill('');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(true);
    // A label map's labels: whole numbers, or none for every label ≥ 1.
    await page.getByTestId('occupancy-by').selectOption('labels');
    await page.getByTestId('occupancy-labels').fill('2, x');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(true);
    await page.getByTestId('occupancy-labels').fill('');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(false);
    await page.getByTestId('occupancy-by').selectOption('otsu');
    await expect(page.getByTestId('occupancy-labels').count()).resolves.toBe(0);
    // Smoothing: empty for none, else a length above 0, in the volume's unit.
    await expect(page.getByTestId('occupancy-form').textContent()).resolves.toMatch(/smooth σ\s*mm/);
    await page.getByTestId('occupancy-smooth').fill('0');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(true);
    await page.getByTestId('occupancy-smooth').fill('');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(false);
    // How many pieces are kept: asked for only when kept, a whole number ≥ 1.
    await expect(page.getByTestId('occupancy-pieces').isDisabled()).resolves.toBe(true);
    await page.getByTestId('occupancy-largest').check();
    await expect(page.getByTestId('occupancy-pieces').isDisabled()).resolves.toBe(false);
    await page.getByTestId('occupancy-pieces').fill('0');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('occupancy-pieces').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByTestId('occupancy-pieces').fill('1');
    await expect(page.getByTestId('occupancy-open').isDisabled()).resolves.toBe(false);
    await page.getByTestId('occupancy-fill').check();
    await page.getByTestId('dataset-panel').screenshot({ path: join(RESULTS, 'e2e-occupancy-volume-form.png') });
    await page.getByTestId('occupancy-open').click();
    await expect.poll(async () => page.locator('[data-testid="view-main"][data-state="drawn"]').getAttribute('data-dataset-id'), { timeout: 30_000 }).not.toBe(volumeId);
    datasetId = (await page.locator('[data-testid="view-main"]').getAttribute('data-dataset-id'))!;
    const rule = (await page.getByTestId('occupancy-rule').textContent())!;
    expect(rule).toMatch(/^value ≥ [\d.]+ \(Otsu\), the largest piece of \d+ \(\d+ voxels dropped\), holes filled slice by slice \(\d+ voxels added\)$/);
    // An occupancy grid is not offered again as a volume to threshold, nor re-voxelised as a mesh is.
    await expect(page.getByTestId('occupancy-form').count()).resolves.toBe(0);
    await expect(page.getByTestId('occupancy-res').count()).resolves.toBe(0);
  });

  it('holds what the engine’s occupancy pipeline makes of the same series', async () => {
    const want = volumeOccupancy(await openField(SERIES), { threshold: 'otsu', islands: 1, fill: true });
    const got = await env.bridge.engine.getVolume({ datasetId });
    expect(got.step).toEqual([1, 1, 1]);
    expect(got.shape).toEqual(want.field.shape);
    let differ = 0;
    let inside = 0;
    for (let i = 0; i < got.values.length; i++) {
      if (got.values[i] !== want.field.values[i]) differ++;
      inside += got.values[i];
    }
    expect(differ).toBe(0);
    // The head inside its skin: a good share of the grid, and more than the threshold alone.
    const plain = volumeOccupancy(await openField(SERIES), { threshold: 'otsu' });
    const plainInside = plain.field.values.reduce((a, v) => a + v, 0);
    expect(inside).toBeGreaterThan(plainInside);
    expect((await env.bridge.engine.getVolume({ datasetId: volumeId })).values.some((v) => v > 1)).toBe(true);
  });

  it('fits it with ELM: IoU in the runs table, both surfaces at level ½', async () => {
    const { page } = env.session;
    await chooseFit(page, 'elm', 'fit', { budget: '4000' });
    jobId = await runAndWait(page, 240_000);
    const iou = Number(await page.locator(`[data-testid="run-row-${jobId}"] td[data-col="iou"]`).textContent());
    expect(iou).toBeGreaterThan(0.8);
    expect(iou).toBeLessThanOrEqual(1);
    await page.getByTestId('view-surfaces').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="surface-source"][data-state="rendered"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="surface-recon"][data-state="rendered"]').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('view-surfaces').getAttribute('data-level')).resolves.toBe('0.5');
    await expect(page.locator('[data-testid="surface-source"] [data-role="title"]').textContent()).resolves.toContain('occupancy of the volume');
    await page.screenshot({ path: join(RESULTS, 'e2e-occupancy-volume.png') });
  });

  it('exports the reconstructed surface as STL from the Export menu: a closed mesh in millimetres', async () => {
    const { page } = env.session;
    await page.getByTestId('export-menu').click();
    await expect(page.getByTestId('export-surface-ply').isVisible()).resolves.toBe(true);
    const stl = await download(page, () => page.getByTestId('export-surface-stl').click());
    expect(stl.name).toBe('mr-series-elm-surface.stl');
    const path = join(RESULTS, 'e2e-occupancy-volume-surface.stl');
    writeFileSync(path, stl.bytes);
    const { mesh, topology } = await readMesh(path);
    expect(mesh.triangles.length / 3).toBeGreaterThan(1000);
    expect(topology.closed).toBe(true);
    // The same surface the engine extracts from the run's reconstruction.
    const want = await env.bridge.engine.exportResult({ datasetId, jobId, what: 'surface' });
    expect(Buffer.from(want.bytes!).equals(stl.bytes)).toBe(true);
    await expect(page.getByTestId('export-status').textContent()).resolves.toMatch(/Surface \(\.stl\)/);
    expect(env.session.problems).toEqual([]);
  });
});
