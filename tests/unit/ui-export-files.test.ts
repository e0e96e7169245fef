/** Export names and types (renderer/src/lib/exportFiles.ts) and the Fit panel's parameters (lib/fitParams.ts). */
import { describe, expect, it } from 'vitest';
import { csvName, exportName, mimeType, safeName, stem, viewPngName } from '../../renderer/src/lib/exportFiles';
import { defaultParams, engineTask, METHODS, paramsForTask, requestParams, tasksFor } from '../../renderer/src/lib/fitParams';

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

describe('fit panel tasks and parameters', () => {
  const elm = METHODS.find((m) => m.id === 'elm')!;
  const siren = METHODS.find((m) => m.id === 'siren')!;
  it('through-plane interpolation only for volumes, sent as super-resolution with zscale', () => {
    expect(tasksFor([512, 512]).map((t) => t.id)).toEqual(['fit', 'inpaint', 'superres']);
    expect(tasksFor([20, 64, 64]).map((t) => t.id)).toEqual(['fit', 'inpaint', 'superres', 'interp']);
    expect(engineTask('interp')).toBe('superres');
    expect(engineTask('inpaint')).toBe('inpaint');
    const p = requestParams(elm.params, 'interp', defaultParams(elm.params));
    expect(p).toEqual({ hidden: 64, overlap: 0.15, zscale: 2 });
  });
  it('inpainting sends the drop fraction only for a random fraction, not with a brushed mask', () => {
    const values = defaultParams(elm.params);
    expect(requestParams(elm.params, 'inpaint', values, { inpaint: 'drop' })).toEqual({ hidden: 64, overlap: 0.15, drop: 0.5 });
    expect(requestParams(elm.params, 'inpaint', values, { inpaint: 'brush' })).toEqual({ hidden: 64, overlap: 0.15 });
    expect(paramsForTask(elm.params, 'superres').map((p) => p.key)).toContain('scale');
    expect(paramsForTask(elm.params, 'fit').map((p) => p.key)).not.toContain('zscale');
  });
  it('the nets have an IGA switch, sent only when on; advanced fields are marked', () => {
    expect(siren.switches?.map((s) => s.key)).toEqual(['iga']);
    const values = defaultParams(siren.params);
    expect(requestParams(siren.params, 'fit', values, { switches: siren.switches, on: { iga: false } })).toEqual({ steps: 300 });
    expect(requestParams(siren.params, 'fit', values, { switches: siren.switches, on: { iga: true } })).toEqual({ steps: 300, iga: true });
    expect(siren.params.filter((p) => p.advanced).map((p) => p.key)).toEqual(['lr', 'width', 'layers']);
    expect(elm.params.filter((p) => !p.advanced && !p.tasks).map((p) => p.key)).toEqual(['hidden']);
    expect(METHODS.map((m) => m.id)).toContain('relu');
  });
});
