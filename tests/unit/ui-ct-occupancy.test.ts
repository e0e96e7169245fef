/**
 * The UI's pure pieces for CT, occupancy and checked resampling: which tasks the Fit panel
 * offers (the engine's catalogue, min and max axes honoured), the CT task request, run task
 * labels, the sinogram's grid, ticks and window, dataset keys of re-voxelised meshes, and the
 * IoU and views columns of the metrics CSV.
 */
import { describe, expect, it } from 'vitest';
import { methodCatalog } from '../../main/methods/registry';
import { validateRequest } from '../../main/api/validate';
import { MAX_ISLANDS, type SliceData } from '../../main/api/contract';
import { coordinateText } from '../../renderer/src/lib/coords';
import { defaultParams, fitRequestOf, noTaskReason, panelSpecs, tasksFor } from '../../renderer/src/lib/fitParams';
import { datasetKeyOf, metricsCsv, type RunLike } from '../../renderer/src/lib/runs';
import { occupancyRequestOf } from '../../renderer/src/lib/occupancyForm';
import { angleTicks, sinogramGrid, sinogramPixelShape, sinogramWindow } from '../../renderer/src/lib/sinogram';
import { isChecked, runTaskLabel, taskShort, taskWords } from '../../renderer/src/lib/taskLabels';

const { methods, tasks } = panelSpecs(methodCatalog());
const byId = (id: string) => methods.find((m) => m.id === id)!;
const ctMethods = methods.filter((m) => m.tasks.includes('ct'));

describe('the CT task in the Fit panel, as the catalogue bounds it', () => {
  it('the catalogue has CT methods, FBP and SART among them', () => {
    expect(ctMethods.map((m) => m.id)).toEqual(expect.arrayContaining(['fbp', 'sart']));
  });

  it('CT is offered on 2-D data only, by the methods that list it', () => {
    const ct = tasks.find((t) => t.id === 'ct')!;
    expect(ct.maxDims).toBe(2);
    for (const m of ctMethods) {
      expect(tasksFor(tasks, [128, 128], m).map((t) => t.id)).toContain('ct');
      expect(tasksFor(tasks, [20, 64, 64], m).map((t) => t.id)).not.toContain('ct');
      expect(tasksFor(tasks, [64], m).map((t) => t.id)).not.toContain('ct');
    }
    for (const m of methods.filter((x) => !x.tasks.includes('ct'))) expect(tasksFor(tasks, [128, 128], m).map((t) => t.id)).not.toContain('ct');
    // Tasks without an upper bound stay offered on volumes.
    expect(tasksFor(tasks, [20, 64, 64], byId('elm')).map((t) => t.id)).toEqual(expect.arrayContaining(['fit', 'interp']));
  });

  it('says why a CT-only method cannot run on a volume', () => {
    const fbp = byId('fbp');
    expect(noTaskReason(tasks, [128, 128], fbp)).toBeNull();
    const why = noTaskReason(tasks, [20, 64, 64], fbp)!;
    expect(why).toContain('2 axes');
    expect(why).toContain('3 axes');
    expect(why.startsWith('FBP')).toBe(true);
  });

  it('sends views, photons and the angular range as the ct task, the method params apart', () => {
    const fbp = byId('fbp');
    const values = defaultParams(fbp.params);
    const plain = fitRequestOf(fbp, 'ct', { ...values, views: 30 });
    expect(plain.task).toMatchObject({ kind: 'ct', views: 30 });
    expect(plain.task).not.toHaveProperty('photons');
    expect(plain.params).not.toHaveProperty('views');
    expect(plain.params).toHaveProperty('filter');
    const noisy = fitRequestOf(fbp, 'ct', { ...values, views: 60, photons: 1e5, limitedAngle: 120 });
    expect(noisy.task).toEqual({ kind: 'ct', views: 60, photons: 1e5, limitedAngle: 120 });
    // What the panel sends passes the engine's payload check.
    expect(() => validateRequest('startJob', { kind: 'fit', datasetId: 'ds-1', method: 'fbp', task: noisy.task, params: noisy.params })).not.toThrow();
    const sart = byId('sart');
    const s = fitRequestOf(sart, 'ct', { ...defaultParams(sart.params), views: 30 });
    expect(s.task).toMatchObject({ kind: 'ct', views: 30 });
    expect(() => validateRequest('startJob', { kind: 'fit', datasetId: 'ds-1', method: 'sart', task: s.task, params: s.params })).not.toThrow();
  });

  it('sends a method’s task-bound parameters only with their task', () => {
    // A method of the catalogue's shape with a CT-only parameter and a CT-only switch.
    const cat = methodCatalog();
    const fbpInfo = cat.methods.find((m) => m.id === 'fbp')!;
    const synthetic = panelSpecs({
      tasks: cat.tasks,
      methods: [
        {
          ...fbpInfo,
          id: 'x',
          tasks: ['fit', 'ct'],
          params: [
            { name: 'prior', label: 'Prior', help: '', type: 'enum', values: ['none', 'tv'], default: 'none', tasks: ['ct'] },
            { name: 'positive', label: 'Positive', help: '', type: 'bool', default: false, tasks: ['ct'] },
            { name: 'hidden', label: 'Hidden', help: '', type: 'int', min: 1, max: 10, step: 1, default: 4 },
          ],
        },
      ],
    }).methods[0];
    const vals = { ...defaultParams(synthetic.params), prior: 'tv', views: 30 };
    expect(fitRequestOf(synthetic, 'ct', vals, { on: { positive: true } }).params).toEqual({ prior: 'tv', hidden: 4, positive: true });
    expect(fitRequestOf(synthetic, 'fit', vals, { on: { positive: true } }).params).toEqual({ hidden: 4 });
    // Whatever method declares a parameter for some tasks only (ELM's CT prior, say).
    for (const m of methods) {
      const bound = m.params.filter((p) => !p.taskParam && p.tasks);
      for (const p of bound) {
        const other = m.tasks.find((t) => !p.tasks!.includes(t));
        const own = p.tasks!.find((t) => m.tasks.includes(t))!;
        const value = p.kind === 'enum' ? p.values![0] : p.min;
        const values = { ...defaultParams(m.params), [p.key]: value, views: 30 };
        expect(fitRequestOf(m, own, values).params, `${m.id}.${p.key} with ${own}`).toHaveProperty(p.key);
        if (other) expect(fitRequestOf(m, other, values).params, `${m.id}.${p.key} with ${other}`).not.toHaveProperty(p.key);
      }
    }
  });

  it('open takes a resolution for meshes, within the reader’s bounds', () => {
    expect(() => validateRequest('open', { path: '/x/bunny.off', res: 32 })).not.toThrow();
    expect(() => validateRequest('open', { path: '/x/bunny.off', res: 4 })).toThrow(/res/);
    expect(() => validateRequest('open', { path: '/x/bunny.off', res: 32.5 })).toThrow(/res/);
  });

  it('the dataset panel’s occupancy form makes the open request, and none while incomplete', () => {
    const form = { by: 'otsu' as const, value: '' as const, labels: '', smooth: '' as number | '', keep: false, pieces: 1 as number | '', fill: false };
    expect(occupancyRequestOf(form)).toEqual({ threshold: 'otsu' });
    expect(occupancyRequestOf({ ...form, keep: true, fill: true })).toEqual({ threshold: 'otsu', islands: 1, fill: true });
    expect(occupancyRequestOf({ ...form, keep: true, pieces: 3 })).toEqual({ threshold: 'otsu', islands: 3 });
    // The count matters only when pieces are kept; then it is a whole number from 1 to the engine's bound.
    expect(occupancyRequestOf({ ...form, pieces: '' })).toEqual({ threshold: 'otsu' });
    for (const pieces of ['' as const, 0, 2.5, -1, MAX_ISLANDS + 1]) expect(occupancyRequestOf({ ...form, keep: true, pieces })).toBeUndefined();
    // Smoothing: none when empty, else a positive length.
    expect(occupancyRequestOf({ ...form, smooth: 1.5 })).toEqual({ threshold: 'otsu', smooth: 1.5 });
    for (const smooth of [0, -1, Number.NaN]) expect(occupancyRequestOf({ ...form, smooth })).toBeUndefined();
    expect(occupancyRequestOf({ ...form, by: 'value' })).toBeUndefined();
    expect(occupancyRequestOf({ ...form, by: 'value', value: -300 })).toEqual({ threshold: -300 });
    expect(occupancyRequestOf({ ...form, by: 'labels' })).toEqual({ labels: 'positive' });
    expect(occupancyRequestOf({ ...form, by: 'labels', labels: '2, 5 7;9' })).toEqual({ labels: [2, 5, 7, 9] });
    expect(occupancyRequestOf({ ...form, by: 'labels', labels: '2, x' })).toBeUndefined();
    expect(occupancyRequestOf({ ...form, by: 'labels', labels: '2.5' })).toBeUndefined();
    // What the form makes, the engine takes.
    for (const req of [
      occupancyRequestOf({ ...form, by: 'labels', labels: '3', fill: true }),
      occupancyRequestOf({ ...form, by: 'value', value: 40, keep: true }),
      occupancyRequestOf({ ...form, keep: true, pieces: MAX_ISLANDS }),
      occupancyRequestOf({ ...form, smooth: 0.25, keep: true, fill: true }),
    ])
      expect(() => validateRequest('open', { path: '/x/seg.nii.gz', occupancy: req })).not.toThrow();
  });

  it('open takes a volume’s occupancy options, each checked', () => {
    const open = (occupancy: unknown) => () => validateRequest('open', { path: '/x/head.nii.gz', occupancy });
    expect(open({ threshold: 'otsu', islands: 1, fill: true })).not.toThrow();
    expect(open({ threshold: -300.5, res: 128 })).not.toThrow();
    expect(open({ labels: [2, 3] })).not.toThrow();
    expect(open({ labels: 'positive', islands: 3 })).not.toThrow();
    expect(open({ threshold: 'mean' })).toThrow(/threshold/);
    expect(open({ threshold: Number.NaN })).toThrow(/threshold/);
    expect(open({ threshold: 1, labels: [1] })).toThrow(/not both/);
    expect(open({ labels: [] })).toThrow(/labels/);
    expect(open({ islands: 0 })).toThrow(/islands/);
    expect(open({ islands: 2.5 })).toThrow(/islands/);
    expect(open({ fill: 'yes' })).toThrow(/fill/);
    expect(open({ smooth: 1.5, islands: 1 })).not.toThrow();
    for (const smooth of [0, -2, '1', Number.POSITIVE_INFINITY]) expect(open({ smooth })).toThrow(/smooth must be a positive length/);
    expect(open({ res: 4 })).toThrow(/res/);
    expect(open({ dilate: 2 })).toThrow(/unknown field 'dilate'/);
    expect(open('otsu')).toThrow(/object/);
  });
});

describe('run task labels', () => {
  it('labels checked resampling runs and CT runs', () => {
    expect(runTaskLabel('superres', { checked: true })).toBe('superres (check)');
    expect(runTaskLabel('interp', { checked: true })).toBe('interp (check)');
    expect(runTaskLabel('inpaint', { brushed: true })).toBe('inpaint (mask)');
    // `check` belongs to resampling only.
    expect(runTaskLabel('fit', { checked: true })).toBe('fit');
    expect(runTaskLabel('ct')).toBe('ct');
    expect(taskShort('superres (check)')).toBe('SR (check)');
    expect(taskShort('interp (check)')).toBe('z↑ (check)');
    expect(taskShort('superres')).toBe('SR');
    expect(taskShort('ct')).toBe('CT');
    expect(taskShort('fit')).toBe('');
    expect(isChecked('superres (check)')).toBe(true);
    expect(isChecked('superres')).toBe(false);
  });

  it('says the views of a CT run in words', () => {
    expect(taskWords('ct', { sinogram: { shape: [30, 182], angles: [] } })).toBe('CT, 30 views × 182 bins');
    expect(taskWords('superres (check)')).toBe('super-resolution, checked against the data');
  });
});

describe('the sinogram view', () => {
  const angles = Array.from({ length: 30 }, (_, i) => i * 6);
  const info = { shape: [30, 182], angles };

  it('reads angles in degrees and detector offsets from the centre', () => {
    const g = sinogramGrid(info);
    expect(g.shape).toEqual([30, 182]);
    expect(g.axes).toEqual(['angle', 'detector']);
    // Row 5 is the view at 30°; bin 91 = ⌊182/2⌋ is the rotation centre (s = 0).
    const text = coordinateText(g, [5, 91], { rowDim: 0, colDim: 1 });
    // Coordinates at the app's precision: 1/100 of the step.
    expect(text).toBe('(detector 0.00, angle 30.00°)');
    expect(coordinateText(g, [0, 0], { rowDim: 0, colDim: 1 })).toBe('(detector -91.00, angle 0.00°)');
  });

  it('ticks every 30° at the centre of that angle’s row, within the sampled range', () => {
    const t = angleTicks(angles);
    expect(t.map((x) => x.label)).toEqual(['0°', '30°', '60°', '90°', '120°', '150°']);
    expect(t.map((x) => x.row)).toEqual([0.5, 5.5, 10.5, 15.5, 20.5, 25.5]);
    // Between views: 45° falls half-way between the rows of 42° and 48°.
    const coarse = angleTicks(
      Array.from({ length: 4 }, (_, i) => i * 60),
      45,
    );
    expect(coarse.map((x) => x.label)).toEqual(['0°', '45°', '90°', '135°', '180°']);
    expect(coarse[1].row).toBeCloseTo(0.75 + 0.5, 12);
    // A limited range gets finer ticks.
    expect(angleTicks([0, 10, 20, 30, 40]).map((x) => x.label)).toEqual(['0°', '15°', '30°']);
    expect(angleTicks([])).toEqual([]);
  });

  it('shows few views in taller rows, never squeezing many views', () => {
    const few = sinogramPixelShape({ shape: [30, 182] });
    expect(30 * few.aspect).toBeCloseTo(0.75 * 182, 9);
    expect(sinogramPixelShape({ shape: [400, 182] }).aspect).toBe(1);
  });

  it('windows the full range of values, negative line integrals included', () => {
    const values = Float32Array.from([-50, 10, NaN, 150]);
    const slice: SliceData = { width: 2, height: 2, channels: 1, values };
    expect(sinogramWindow(slice)).toEqual({ center: 50, width: 200 });
    expect(sinogramWindow({ width: 1, height: 1, channels: 1, values: Float32Array.from([NaN]) })).toEqual({ center: 0.5, width: 1 });
  });
});

describe('occupancy runs', () => {
  it('a mesh voxelised at another resolution is another dataset; other formats keep their key', () => {
    const at = (shape: number[]) => datasetKeyOf({ path: '/m/bunny.off', format: 'occupancy', shape });
    expect(at([26, 32, 32])).not.toBe(at([200, 254, 256]));
    expect(at([26, 32, 32])).toBe(at([26, 32, 32]));
    expect(datasetKeyOf({ path: '/d/a.png', format: 'png', shape: [10, 10] })).toBe(datasetKeyOf({ path: '/d/a.png', format: 'png', shape: [20, 20] }));
    // A volume's occupancy by another threshold or clean-up is another dataset, and not the volume.
    const head = (occupancyRule?: string) => datasetKeyOf({ path: '/v/head.nii.gz', format: 'occupancy', shape: [181, 217, 181], occupancyRule });
    expect(head('value ≥ 49.6 (Otsu)')).not.toBe(head('value ≥ 49.6 (Otsu), holes filled slice by slice (1 voxels added)'));
    expect(head('value ≥ 49.6 (Otsu)')).toBe(head('value ≥ 49.6 (Otsu)'));
    expect(head('value ≥ 49.6 (Otsu)')).not.toBe(datasetKeyOf({ path: '/v/head.nii.gz', format: 'nifti', shape: [181, 217, 181] }));
  });

  it('the CSV carries IoU and a CT run’s views', () => {
    const runs: RunLike[] = [
      { jobId: 'job-1', number: 1, phase: 'done', method: 'elm', task: 'fit', points: [], result: { kind: 'fit', seconds: 2, metrics: { psnr: 20, iou: 0.9375 } } },
      {
        jobId: 'job-2',
        number: 2,
        phase: 'done',
        method: 'fbp',
        task: 'ct',
        points: [],
        result: { kind: 'fit', seconds: 1, metrics: { psnr: 26 }, sinogram: { shape: [30, 182], angles: [] } },
      },
    ];
    const [head, one, two] = metricsCsv(runs).split('\r\n');
    const cols = head.split(',');
    const cell = (line: string, name: string) => line.split(',')[cols.indexOf(name)];
    expect(cell(one, 'iou')).toBe('0.9375');
    expect(cell(one, 'views')).toBe('');
    expect(cell(two, 'views')).toBe('30');
    expect(cell(two, 'task')).toBe('ct');
  });
});
