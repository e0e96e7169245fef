/** Export names and types (renderer/src/lib/exportFiles.ts) and the Fit panel's parameters (lib/fitParams.ts). */
import { describe, expect, it } from 'vitest';
import { csvName, exportName, mimeType, safeName, stem, viewPngName } from '../../renderer/src/lib/exportFiles';
import { defaultParams, defaultSwitches, fitRequestOf, panelSpecs, paramsForTask, tasksFor } from '../../renderer/src/lib/fitParams';
import { methodCatalog } from '../../main/methods/registry';
import { validateRequest } from '../../main/api/validate';
import { ELM_DEFAULTS } from '../../main/inr/elm/config';
import { METHOD_DEFAULTS } from '../../main/inr/nets/options';

describe('export names', () => {
  const png = { name: 'astronaut.png', format: 'png', shape: [512, 512] };
  it('a reconstruction keeps the source format', () => {
    expect(exportName('reconstruction', png, 'job-3', 'elm')).toBe('astronaut-elm-run3.png');
    expect(exportName('reconstruction', { name: 'brain.nii.gz', format: 'nifti', shape: [4, 5, 6] }, 'job-1', 'elm')).toBe('brain-elm-run1.nii.gz');
    expect(exportName('reconstruction', { name: 'L7_ETMs.tif', format: 'geotiff', shape: [5, 5] }, 'job-2')).toBe('L7_ETMs-fit-run2.tif');
    expect(exportName('reconstruction', { name: 'sub.nc', format: 'netcdf', shape: [2, 3, 4] }, 'job-2', 'siren')).toBe('sub-siren-run2.nc');
    // A DICOM series is a folder.
    expect(exportName('reconstruction', { name: 'MR series', format: 'dicom', shape: [20, 64, 64] }, 'job-9', 'elm')).toBe('MR_series-elm-run9');
    // Formats without a writer: NIfTI for volumes, PNG for planes.
    expect(exportName('reconstruction', { name: 'x.raw', format: 'raw', shape: [2, 3, 4] }, 'job-1')).toBe('x-fit-run1.nii.gz');
    expect(exportName('reconstruction', { name: 'x.jpg', format: 'jpeg', shape: [3, 4] }, 'job-1')).toBe('x-fit-run1.png');
  });
  it('model and mesh', () => {
    expect(exportName('model', png, 'job-3', 'elm-beam')).toBe('astronaut-elm-beam-run3.inr');
    expect(exportName('mesh', png, 'job-3', 'elm-beam')).toBe('astronaut-elm-beam-run3-mesh.json');
  });
  it('an occupancy run’s surface takes its mesh format’s extension, STL by default', () => {
    const occ = { name: 'bunny00.off', format: 'occupancy', shape: [26, 32, 32] };
    expect(exportName('surface', occ, 'job-4', 'elm')).toBe('bunny00-elm-run4-surface.stl');
    expect(exportName('surface', occ, 'job-4', 'elm', '.inr', 'ply')).toBe('bunny00-elm-run4-surface.ply');
    expect(mimeType('head-surface.stl')).toBe('model/stl');
    expect(mimeType('head-surface.obj')).toBe('model/obj');
  });
  it('CSV and view PNG names; unsafe characters replaced', () => {
    expect(csvName('astronaut.png')).toBe('astronaut-runs.csv');
    expect(viewPngName('astronaut.png', 'Reconstruction job-2')).toBe('astronaut-reconstruction_job-2.png');
    expect(viewPngName(undefined, 'slice')).toBe('view-slice.png');
    expect(safeName('a/b:c*?"<>|d')).toBe('a_b_c_d');
    expect(stem('/data/scan.tar.gz')).toBe('scan');
    expect(stem('')).toBe('dataset');
  });
  it('MIME types by extension', () => {
    expect(mimeType('a.png')).toBe('image/png');
    expect(mimeType('a.csv')).toBe('text/csv');
    expect(mimeType('a.zip')).toBe('application/zip');
    expect(mimeType('a.inr')).toBe('application/octet-stream');
  });
});

describe('fit panel tasks and parameters, from the engine registry', () => {
  const { methods, tasks } = panelSpecs(methodCatalog());
  const elm = methods.find((m) => m.id === 'elm')!;
  const siren = methods.find((m) => m.id === 'siren')!;
  it('through-plane interpolation only for volumes, sent as the interp task with zscale', () => {
    // CT (2-D only) joins the 2-D list where the method reconstructs CT.
    const ct = elm.tasks.includes('ct') ? ['ct'] : [];
    expect(tasksFor(tasks, [512, 512], elm).map((t) => t.id)).toEqual(['fit', 'inpaint', 'superres', ...ct]);
    expect(tasksFor(tasks, [20, 64, 64], elm).map((t) => t.id)).toEqual(['fit', 'inpaint', 'superres', 'interp']);
    const r = fitRequestOf(elm, 'interp', defaultParams(elm.params));
    expect(r.task).toEqual({ kind: 'interp', zscale: 2 });
    // The defaults the panel starts with are the engine's own.
    expect(r.params).toMatchObject({ hidden: ELM_DEFAULTS.hidden, overlap: ELM_DEFAULTS.overlap });
    expect(r.params).not.toHaveProperty('zscale');
    expect(r.params).not.toHaveProperty('budget');
  });
  it('inpainting sends the drop fraction only for a random fraction, not with a brushed mask', () => {
    const values = defaultParams(elm.params);
    expect(fitRequestOf(elm, 'inpaint', values, { inpaint: 'drop' }).task).toEqual({ kind: 'inpaint', drop: 0.5 });
    expect(fitRequestOf(elm, 'inpaint', values, { inpaint: 'brush' }).task).toEqual({ kind: 'inpaint' });
    expect(paramsForTask(elm.params, 'superres').map((p) => p.key)).toContain('scale');
    expect(paramsForTask(elm.params, 'fit').map((p) => p.key)).not.toContain('zscale');
    // Subdomains (per axis) go out as a list.
    expect(fitRequestOf(elm, 'fit', { ...values, subdomains: 8 }).params).toMatchObject({ subdomains: [8] });
  });
  it('the nets have an IGA switch, sent only when it differs from its default; advanced fields are marked', () => {
    expect(siren.switches.filter((s) => !s.advanced).map((s) => s.key)).toEqual(['iga']);
    const values = defaultParams(siren.params);
    expect(fitRequestOf(siren, 'fit', values, { on: { iga: false } }).params).not.toHaveProperty('iga');
    expect(fitRequestOf(siren, 'fit', values, { on: { iga: true } }).params).toMatchObject({ iga: true });
    expect(siren.params.filter((p) => !p.advanced && !p.tasks).map((p) => p.key)).toEqual(['steps']);
    expect(siren.params.find((p) => p.key === 'lr')?.default).toBe(METHOD_DEFAULTS.siren.lr);
    expect(elm.params.filter((p) => !p.advanced && !p.tasks).map((p) => p.key)).toEqual(['hidden', 'budget']);
    expect(methods.map((m) => m.id)).toContain('relu');
    // Every request the panel builds from its defaults passes the engine's own validation.
    for (const m of methods)
      for (const t of tasksFor(tasks, [8, 32, 32], m)) {
        const r = fitRequestOf(m, t.id, defaultParams(m.params), { on: defaultSwitches(m.switches) });
        expect(() => validateRequest('startJob', { kind: 'fit', datasetId: 'ds-1', method: m.id, task: r.task, params: r.params })).not.toThrow();
      }
  });
  it("exports a model under its method's extension", () => {
    expect(exportName('model', { name: 'camera.png', format: 'png', shape: [512, 512] }, 'job-3', 'siren', siren.modelExt)).toBe('camera-siren-run3.json');
    expect(exportName('model', { name: 'camera.png', format: 'png', shape: [512, 512] }, 'job-3', 'elm', elm.modelExt)).toBe('camera-elm-run3.inr');
  });
});
