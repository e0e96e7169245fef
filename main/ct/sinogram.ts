/**
 * Sinograms: equally spaced view angles, simulation from any 2-D image (views, Poisson photon
 * noise, limited angle), and the reader-side checks that turn a 2-D Field (a TIFF or NetCDF
 * sinogram, rows = angles) plus its angles into a validated CT input.
 *
 * Units: angles are DEGREES at this API (flags, files) and radians inside the geometry
 * (radon.ts). A sinogram is row-major, views × detector bins, in image units × length (the
 * line integrals of the image, pixelSize per pixel).
 *
 * Noise model (transmission CT with a monochromatic source and photon counting):
 *   counts ~ Poisson(I0 · exp(−μ·p)),   p̃ = −ln(max(counts, ½)/I0) / μ,
 * where p is the clean line integral, I0 = `photons` incident photons per bin and μ
 * (`muScale`) converts image units × length into attenuation. A zero count is replaced by ½
 * (an unbiased-ish guard that keeps −ln finite). Unless `muScale` is given, μ is chosen so that
 * the largest clean line integral is an attenuation of `maxAttenuation` (default 4, i.e. 1.8 %
 * transmission, about a 20 cm water-equivalent head), so the noise level does not depend on the
 * image's units.
 */
import { InrError } from '../core/errors';
import { Rng } from '../core/rng';
import type { Field } from '../core/field';
import { parallelGeometry, radonForward, type ParallelGeometry } from './radon';
import { poisson } from './poisson';

const DEG = Math.PI / 180;

export interface AngleOptions {
  /** Angular range covered, in degrees (default 180; smaller = limited angle). */
  rangeDeg?: number;
  /** First angle in degrees (default 0). */
  startDeg?: number;
  /** Include the end of the range (linspace with both ends, as the WIRE/INCODE CT code). Default false. */
  includeEnd?: boolean;
}

/**
 * `views` angles equally spaced over [start, start + range) in RADIANS: θ_k = start + k·range/views
 * (with `includeEnd`: k·range/(views−1)). Full range 180° is the standard parallel-beam scan.
 */
export function viewAngles(views: number, opts: AngleOptions = {}): Float64Array {
  if (!Number.isInteger(views) || views < 1) throw new InrError('E_ARG', `--views must be a positive integer, got ${views}`);
  const range = opts.rangeDeg ?? 180;
  if (!(range > 0 && range <= 360)) throw new InrError('E_ARG', `the angular range must be in (0, 360] degrees, got ${range}`);
  const start = opts.startDeg ?? 0;
  const step = opts.includeEnd && views > 1 ? range / (views - 1) : range / views;
  return Float64Array.from({ length: views }, (_, k) => (start + k * step) * DEG);
}

export interface SimulateOptions {
  /** Number of views, equally spaced over 180° (or over `limitedAngle`). */
  views: number;
  /** Incident photons per detector bin (Poisson noise); absent = noise-free. */
  photons?: number;
  /** Angular range in degrees (limited-angle CT); default 180. */
  limitedAngle?: number;
  /** Seed of the noise. Default 1. */
  seed?: number;
  /** Attenuation per image unit × length; default from `maxAttenuation`. */
  muScale?: number;
  /** Attenuation of the largest clean line integral when `muScale` is not given. Default 4. */
  maxAttenuation?: number;
  detectors?: number;
  pixelSize?: number;
  /** Samples per pixel along each ray for the simulation (default 4; reconstructions use 1). */
  oversample?: number;
}

export interface SimulatedSinogram {
  /** views × detectors, row-major. */
  sinogram: Float64Array;
  /** The noise-free sinogram (same layout). */
  clean: Float64Array;
  /** Radians. */
  angles: Float64Array;
  /** The reconstruction geometry (oversample 1) matching the sinogram. */
  geometry: ParallelGeometry;
  noise?: { photons: number; muScale: number; zeroCounts: number; seed: number };
}

/**
 * Statistical weights of a transmission sinogram for penalised weighted least squares: the
 * variance of p̃ = −ln(counts/I0)/μ is about 1/(μ²·I0·e^{−μp}), so each entry is weighted by its
 * expected count, w ∝ e^{−μ·p̃} (Sauer & Bouman, IEEE TSP 41(2), 1993; Fessler, IEEE TMI 13(2),
 * 1994), normalised to mean 1. `muScale` converts the sinogram's units to attenuation (1 when
 * the sinogram already is −ln of the transmission).
 */
export function countWeights(sinogram: ArrayLike<number>, muScale: number): Float64Array {
  if (!(muScale > 0) || !Number.isFinite(muScale)) throw new InrError('E_ARG', `the attenuation scale must be positive, got ${muScale}`);
  const w = new Float64Array(sinogram.length);
  let mean = 0;
  for (let i = 0; i < w.length; i++) {
    w[i] = Math.exp(-muScale * Math.max(sinogram[i], 0));
    mean += w[i];
  }
  mean /= Math.max(w.length, 1);
  for (let i = 0; i < w.length; i++) w[i] /= mean;
  return w;
}

/** Simulate the sinogram of an H×W image (row-major) with `views` views, optionally noisy. */
export function simulateSinogram(image: ArrayLike<number>, height: number, width: number, opts: SimulateOptions): SimulatedSinogram {
  if (image.length !== height * width) throw new InrError('E_ARG', `the image has ${image.length} values, expected ${height}×${width}`);
  const range = opts.limitedAngle ?? 180;
  if (!(range > 0 && range <= 180)) throw new InrError('E_ARG', `--limited-angle must be in (0, 180] degrees, got ${range}`);
  const angles = viewAngles(opts.views, { rangeDeg: range });
  const sim = parallelGeometry(height, width, angles, { detectors: opts.detectors, pixelSize: opts.pixelSize, oversample: opts.oversample ?? 4 });
  const geometry: ParallelGeometry = { ...sim, oversample: 1 };
  const clean = radonForward(sim, image);
  if (opts.photons === undefined) return { sinogram: clean.slice(), clean, angles, geometry };

  const I0 = opts.photons;
  if (!(I0 > 0) || !Number.isFinite(I0)) throw new InrError('E_ARG', `--photons must be a positive number, got ${I0}`);
  let muScale = opts.muScale;
  if (muScale === undefined) {
    let pmax = 0;
    for (let i = 0; i < clean.length; i++) if (clean[i] > pmax) pmax = clean[i];
    muScale = pmax > 0 ? (opts.maxAttenuation ?? 4) / pmax : 1;
  }
  if (!(muScale > 0) || !Number.isFinite(muScale)) throw new InrError('E_ARG', `muScale must be positive, got ${muScale}`);
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const sinogram = new Float64Array(clean.length);
  let zeroCounts = 0;
  for (let i = 0; i < clean.length; i++) {
    const counts = poisson(rng, I0 * Math.exp(-clean[i] * muScale));
    if (counts === 0) zeroCounts++;
    sinogram[i] = -Math.log(Math.max(counts, 0.5) / I0) / muScale;
  }
  return { sinogram, clean, angles, geometry, noise: { photons: I0, muScale, zeroCounts, seed } };
}

const ANGLE_NAMES = /^(angle|angles|theta)$/i;

export interface SinogramFieldOptions {
  /** View angles in degrees (a flag list), or 'equal' for equally spaced over [0°, 180°). */
  angles?: number[] | 'equal';
  /** Pixel size of the reconstruction (= detector bin width); default the field's bin spacing. */
  pixelSize?: number;
}

export interface SinogramInput {
  /** views × detectors, row-major. */
  sinogram: Float64Array;
  /** Radians. */
  angles: Float64Array;
  views: number;
  detectors: number;
  /** Where the angles came from. */
  anglesFrom: 'flag' | 'equal' | 'file';
  pixelSize: number;
}

/** Degrees unless the units say radians. */
function toRadians(values: readonly number[], units: string | undefined): Float64Array {
  const rad = units !== undefined && /^rad(ian)?s?$/i.test(units.trim());
  return Float64Array.from(values, (v) => (rad ? v : v * DEG));
}

/**
 * Validate a sinogram read from a file (any reader's Field) and pair it with its angles:
 * - one channel, and exactly two axes longer than 1 (singleton axes are dropped);
 * - rows are the views: if the second axis is named angle/angles/theta it is transposed;
 * - angles from `opts.angles` (degrees), else from a coordinate variable named angle, angles or
 *   theta (degrees unless its units say radians); their count must equal the number of rows;
 * - zero views, non-finite angles or sinogram values are refused.
 * Every refusal is InrError('E_ARG' or 'E_DATA') with a one-line message naming the file.
 */
export function sinogramFromField(field: Field, opts: SinogramFieldOptions = {}): SinogramInput {
  const path = field.provenance?.path;
  const fail = (msg: string, code: 'E_ARG' | 'E_DATA' = 'E_ARG'): never => {
    throw new InrError(code, msg, path);
  };
  if (field.channels.length !== 1) fail(`a sinogram has one channel, this file has ${field.channels.length} (${field.channels.join(', ')})`);
  const kept = field.shape.map((n, a) => ({ n, a })).filter((d) => d.n !== 1);
  if (field.shape.some((n) => n === 0)) fail(`the sinogram has zero views (shape ${field.shape.join('×')})`);
  if (kept.length !== 2) fail(`a sinogram is 2-D (angles × detector bins), this one has shape ${field.shape.join('×')}`);
  let [rowAxis, colAxis] = kept.map((d) => d.a);
  const transpose = ANGLE_NAMES.test(field.axes[colAxis] ?? '') && !ANGLE_NAMES.test(field.axes[rowAxis] ?? '');
  if (transpose) [rowAxis, colAxis] = [colAxis, rowAxis];
  const views = field.shape[rowAxis];
  const detectors = field.shape[colAxis];

  let angles: Float64Array;
  let anglesFrom: SinogramInput['anglesFrom'];
  if (opts.angles === 'equal') {
    angles = viewAngles(views);
    anglesFrom = 'equal';
  } else if (opts.angles !== undefined) {
    if (opts.angles.length === 0) fail('zero views: the angle list is empty');
    angles = toRadians(opts.angles, 'degrees');
    anglesFrom = 'flag';
  } else {
    const coords = field.geometry.coordinates ?? {};
    const rowName = field.axes[rowAxis];
    let c = rowName !== undefined && ANGLE_NAMES.test(rowName) ? coords[rowName] : undefined;
    if (!c) c = Object.entries(coords).find(([k]) => ANGLE_NAMES.test(k))?.[1];
    if (!c) fail('the sinogram file names no angles: give them as a list (degrees) or store a coordinate variable named angle, angles or theta');
    if (c!.values.length === 0) fail('zero views: the angle coordinate is empty');
    angles = toRadians(c!.values, c!.units);
    anglesFrom = 'file';
  }
  if (angles.length !== views) fail(`the sinogram has ${views} rows (views) but ${angles.length} angles were given`);
  const bad = angles.findIndex((a) => !Number.isFinite(a));
  if (bad >= 0) fail(`angle ${bad} is not a finite number`);

  // Gather rows = views, columns = bins (strides over the original axes; singleton axes add nothing).
  const strides = new Array<number>(field.shape.length);
  let s = 1;
  for (let a = field.shape.length - 1; a >= 0; a--) {
    strides[a] = s;
    s *= field.shape[a];
  }
  const sinogram = new Float64Array(views * detectors);
  let nonFinite = 0;
  for (let v = 0; v < views; v++) {
    for (let k = 0; k < detectors; k++) {
      const i = v * strides[rowAxis] + k * strides[colAxis];
      const x = field.mask && !field.mask[i] ? NaN : field.values[i];
      if (!Number.isFinite(x)) nonFinite++;
      sinogram[v * detectors + k] = x;
    }
  }
  if (nonFinite) fail(`the sinogram has ${nonFinite} missing or non-finite values`, 'E_DATA');
  const spacing = field.geometry.spacing?.[colAxis];
  const pixelSize = opts.pixelSize ?? (spacing !== undefined && spacing > 0 && Number.isFinite(spacing) ? spacing : 1);
  if (!(pixelSize > 0) || !Number.isFinite(pixelSize)) fail(`the pixel size must be positive, got ${pixelSize}`);
  return { sinogram, angles, views, detectors, anglesFrom: anglesFrom!, pixelSize };
}

/**
 * The reconstruction geometry of a sinogram read from a file: a square image whose diagonal the
 * detector covers (side ⌊detectors/√2⌋), unless a size is given.
 */
export function geometryForSinogram(input: SinogramInput, size?: { height: number; width: number }): ParallelGeometry {
  const side = Math.max(1, Math.floor(input.detectors / Math.SQRT2));
  const height = size?.height ?? side;
  const width = size?.width ?? side;
  return parallelGeometry(height, width, input.angles, { detectors: input.detectors, pixelSize: input.pixelSize });
}

/** A sinogram as a Field for display and export: axes (angle, detector), angles in degrees as the coordinate. */
export function sinogramField(sinogram: ArrayLike<number>, g: ParallelGeometry, provenance: Field['provenance']): Field {
  const views = g.angles.length;
  const values = Float32Array.from(sinogram as ArrayLike<number>);
  if (values.length !== views * g.detectors) throw new InrError('E_ARG', `the sinogram has ${values.length} values, expected ${views}×${g.detectors}`);
  return {
    axes: ['angle', 'detector'],
    shape: [views, g.detectors],
    channels: ['projection'],
    values,
    dtype: 'float32',
    geometry: {
      spacing: [views > 1 ? (g.angles[1] - g.angles[0]) / DEG : 1, g.pixelSize],
      origin: [g.angles[0] / DEG, -Math.floor(g.detectors / 2) * g.pixelSize],
      coordinates: { angle: { values: Array.from(g.angles, (a) => a / DEG), units: 'degrees' } },
    },
    provenance,
  };
}
