/**
 * Files for the viewer's tests that the shared samples lack, each made from a real sample's own
 * values (never invented data) with only the metadata the case needs changed:
 *
 * - `flippedColin`: the Colin27 T1 head with an sform that mirrors x and y (signs in the
 *   affine, as a LAS/LPS-stored NIfTI has them), the voxels untouched;
 * - `ctNifti`: the pydicom CT slice (Hounsfield units) as a NIfTI-1 volume, which carries no
 *   modality: only its values say CT;
 * - `logPrecipNc`: the bcsd monthly precipitation with the display_scale=log, display_min and
 *   display_max attributes of NASA ocean-colour files;
 * - `curvilinearSst`: the OISST field on (y, x) dimensions with 2-D latitude and longitude
 *   variables named in `coordinates` and a CF grid_mapping, as curvilinear model output has them;
 * - `sparseSst`: the OISST field with all but a handful of samples set to its _FillValue.
 *
 * Everything is written under a fresh temporary folder.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import type { NcAttributes } from '../../main/data/netcdf/model';
import { encodePlan } from '../../main/data/netcdf/write-classic';
import { sample } from '../helpers/samples';

export function fixtureDir(): string {
  return mkdtempSync(join(tmpdir(), 'inr-view-fixtures-'));
}

/** NIfTI-1 single-file header offsets (nifti1.h). */
const SROW_X = 280;
const SROW_Y = 296;
const SROW_Z = 312;

/** The Colin27 head with sform rows `srow` (4 floats each, world = srow · [i, j, k, 1]). */
export function colinWithSform(dir: string, srow: [number[], number[], number[]], name = 'colin-flipped.nii'): string {
  const bytes = gunzipSync(readFileSync(sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz')));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  [SROW_X, SROW_Y, SROW_Z].forEach((off, r) => srow[r].forEach((v, c) => dv.setFloat32(off + 4 * c, v, true)));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** x mirrored (i runs to the left), y mirrored (j runs to the back): a LAS-like, PIR-free sform. */
export const FLIPPED_SFORM: [number[], number[], number[]] = [
  [-1, 0, 0, 90],
  [0, -1, 0, 91],
  [0, 0, 1, -71],
];

/** A minimal NIfTI-1 (.nii) of int16 values, shape z × y × x, with sform rows. */
function writeNiftiInt16(path: string, values: Int16Array, shape: [number, number, number], srow: [number[], number[], number[]], pixdim: [number, number, number]): void {
  const [nz, ny, nx] = shape;
  const header = new ArrayBuffer(352);
  const dv = new DataView(header);
  dv.setInt32(0, 348, true);
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, i) => dv.setInt16(40 + 2 * i, v, true));
  dv.setInt16(70, 4, true); // datatype: int16
  dv.setInt16(72, 16, true); // bitpix
  [1, pixdim[0], pixdim[1], pixdim[2], 1, 1, 1, 1].forEach((v, i) => dv.setFloat32(76 + 4 * i, v, true));
  dv.setFloat32(108, 352, true); // vox_offset
  dv.setFloat32(112, 1, true); // scl_slope
  dv.setUint8(123, 2); // xyzt_units: mm
  dv.setInt16(254, 2, true); // sform_code: aligned
  [SROW_X, SROW_Y, SROW_Z].forEach((off, r) => srow[r].forEach((v, c) => dv.setFloat32(off + 4 * c, v, true)));
  new Uint8Array(header).set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  const out = new Uint8Array(352 + values.byteLength);
  out.set(new Uint8Array(header), 0);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 352);
  writeFileSync(path, out);
}

/** The pydicom CT slice (HU) as a 3-slice NIfTI volume (the slice and its two neighbours in the DICOM's own values). */
export async function ctNifti(dir: string): Promise<{ path: string; field: Field }> {
  const field = await openField(sample('dicom', 'pydicom', 'CT_small.dcm'));
  const [ny, nx] = field.shape;
  const nz = 3;
  const values = new Int16Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let i = 0; i < ny * nx; i++) values[z * ny * nx + i] = Math.round(field.values[i]);
  const [sy, sx] = field.geometry.spacing.map(Math.abs);
  const path = join(dir, 'ct-small.nii');
  writeNiftiInt16(
    path,
    values,
    [nz, ny, nx],
    [
      [sx, 0, 0, 0],
      [0, sy, 0, 0],
      [0, 0, 5, 0],
    ],
    [sx, sy, 5],
  );
  return { path, field };
}

function text(value: string): { type: 'char'; value: string } {
  return { type: 'char', value };
}

function coordinateVariable(name: string, values: readonly number[], attributes: NcAttributes) {
  return { name, dimensions: [name], type: 'double' as const, attributes, data: Float64Array.from(values) };
}

/** bcsd precipitation (time × latitude × longitude) with the file's display hints for a log scale. */
export async function logPrecipNc(dir: string, hints = { min: 10, max: 800 }): Promise<{ path: string; field: Field }> {
  const field = await openField(sample('netcdf', 'bcsd_obs_1999.nc'), { variable: 'pr' });
  const [T, Y, X] = field.shape;
  const c = field.geometry.coordinates!;
  const FILL = 1e20;
  const data = new Float32Array(field.values.length);
  for (let i = 0; i < data.length; i++) data[i] = field.mask && !field.mask[i] ? FILL : field.values[i];
  const bytes = encodePlan(
    {
      dimensions: [
        { name: 'time', size: T },
        { name: 'latitude', size: Y },
        { name: 'longitude', size: X },
      ],
      variables: [
        coordinateVariable('time', c.time.values, { units: text(c.time.units!), calendar: text('standard') }),
        coordinateVariable('latitude', c.latitude.values, { units: text('degrees_north'), standard_name: text('latitude') }),
        coordinateVariable('longitude', c.longitude.values, { units: text('degrees_east'), standard_name: text('longitude') }),
        {
          name: 'pr',
          dimensions: ['time', 'latitude', 'longitude'],
          type: 'float',
          attributes: {
            units: text('mm/m'),
            long_name: text('monthly_sum_pr'),
            _FillValue: { type: 'float', value: [FILL] },
            display_scale: text('log'),
            display_min: { type: 'float', value: [hints.min] },
            display_max: { type: 'float', value: [hints.max] },
          },
          data,
        },
      ],
      attributes: { Conventions: text('CF-1.6') },
    },
    1,
  );
  const path = join(dir, 'bcsd-log.nc');
  writeFileSync(path, bytes);
  return { path, field };
}

/** The OISST field (its one time and level) as (y, x) with 2-D lat/lon and a grid mapping; `keep` samples valid (all by default). */
export async function sstOnYX(dir: string, opts: { name: string; curvilinear?: boolean; keep?: number[] }): Promise<{ path: string; field: Field }> {
  const field = await openField(sample('netcdf', 'reduced.nc'));
  const d = field.shape.length;
  const Y = field.shape[d - 2];
  const X = field.shape[d - 1];
  const c = field.geometry.coordinates!;
  const FILL = -999;
  const data = new Float32Array(Y * X);
  const keep = opts.keep ? new Set(opts.keep) : undefined;
  for (let i = 0; i < Y * X; i++) data[i] = (field.mask && !field.mask[i]) || (keep && !keep.has(i)) ? FILL : field.values[i];
  const sstAttrs: NcAttributes = { units: text('degree_C'), long_name: text('Daily sea surface temperature'), _FillValue: { type: 'float', value: [FILL] } };
  const variables = [];
  let dims: string[];
  if (opts.curvilinear) {
    dims = ['y', 'x'];
    const lat = new Float64Array(Y * X);
    const lon = new Float64Array(Y * X);
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        lat[y * X + x] = c.lat.values[y];
        lon[y * X + x] = c.lon.values[x];
      }
    variables.push({ name: 'lat', dimensions: dims, type: 'double' as const, attributes: { units: text('degrees_north'), standard_name: text('latitude') }, data: lat });
    variables.push({ name: 'lon', dimensions: dims, type: 'double' as const, attributes: { units: text('degrees_east'), standard_name: text('longitude') }, data: lon });
    variables.push({
      name: 'crs',
      dimensions: [],
      type: 'int' as const,
      attributes: { grid_mapping_name: text('latitude_longitude'), epsg_code: text('EPSG:4326') },
      data: Int32Array.from([0]),
    });
    Object.assign(sstAttrs, { coordinates: text('lat lon'), grid_mapping: text('crs') });
  } else {
    dims = ['lat', 'lon'];
    variables.push(coordinateVariable('lat', c.lat.values, { units: text('degrees_north'), standard_name: text('latitude') }));
    variables.push(coordinateVariable('lon', c.lon.values, { units: text('degrees_east'), standard_name: text('longitude') }));
  }
  variables.push({ name: 'sst', dimensions: dims, type: 'float' as const, attributes: sstAttrs, data });
  const bytes = encodePlan(
    {
      dimensions: [
        { name: dims[0], size: Y },
        { name: dims[1], size: X },
      ],
      variables,
      attributes: { Conventions: text('CF-1.8') },
    },
    1,
  );
  const path = join(dir, opts.name);
  writeFileSync(path, bytes);
  return { path, field };
}

/**
 * elev.tif stored bottom-up: the same DEM with its rows reversed and a positive y step in a
 * ModelTransformation, so row 0 is the southernmost. A viewer must show it as elev.tif itself.
 */
export async function southUpElev(dir: string): Promise<{ path: string; field: Field }> {
  const { writeGeoTiff } = await import('../../main/data/geotiff/write');
  const f = await openField(sample('geotiff', 'elev.tif'));
  const [H, W] = f.shape;
  const values = new Float32Array(f.values.length);
  const mask = f.mask ? new Uint8Array(f.mask.length) : undefined;
  for (let y = 0; y < H; y++) {
    values.set(f.values.subarray((H - 1 - y) * W, (H - y) * W), y * W);
    if (mask && f.mask) mask.set(f.mask.subarray((H - 1 - y) * W, (H - y) * W), y * W);
  }
  const [x0, dx, , y0, , dy] = f.geometry.geoTransform!;
  const gt = [x0, dx, 0, y0 + H * dy, 0, -dy];
  const field: Field = {
    ...f,
    values,
    mask,
    geometry: { ...f.geometry, geoTransform: gt, spacing: [-dy, dx], origin: [gt[3] - 0.5 * dy, f.geometry.origin[1]] },
  };
  const path = join(dir, 'elev-south-up.tif');
  writeGeoTiff(path, field);
  return { path, field };
}
