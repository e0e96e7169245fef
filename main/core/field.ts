/**
 * The data model: a `Field` is an N-D sampled signal with channels, an optional validity mask
 * and the physical geometry needed to write it back. Every reader produces one and every writer
 * consumes one. It knows nothing of views, workers or files.
 *
 * Layout: `values` is channel-last and row-major over `shape` (slowest axis first), so sample
 * `i` (a flat index over `shape`) has its channels at `values[i*C … i*C+C-1]`. This is the
 * N×C right-hand side the least-squares solvers want.
 */
export interface Field {
  /** Axis names, slowest first: `['y','x']`, `['z','y','x']`, `['time','lat','lon']`. */
  axes: string[];
  /** Samples along each axis. */
  shape: number[];
  /** Channel names: `['R','G','B']`, band names, variable names. */
  channels: string[];
  /** prod(shape) × channels, channel-last. Physical values (rescale/scale_factor applied). */
  values: Float32Array;
  /** prod(shape) entries: 1 = valid sample, 0 = nodata / fill / missing. Absent = all valid. */
  mask?: Uint8Array;
  /** Storage type in the source file: `uint8`, `int16`, `float32`… */
  dtype: string;
  geometry: Geometry;
  units?: string;
  provenance: Provenance;
}

export interface Geometry {
  /** Physical spacing per axis (same order as `axes`). */
  spacing: number[];
  /** Physical coordinate of the first sample per axis. */
  origin: number[];
  /** Medical: row-major 3×3 direction cosines (columns: x, y, z index directions in patient/RAS space). */
  direction?: number[];
  /** GeoTIFF: GDAL-style geotransform [x0, dx, rx, y0, ry, dy]. */
  geoTransform?: number[];
  /** Coordinate reference system: EPSG code and/or the raw GeoKeys / WKT, kept for export. */
  crs?: { epsg?: number; wkt?: string; geoKeys?: Record<string, unknown>; description?: string };
  /** NetCDF: coordinate variable values per axis, with units (time decoded to ISO strings). */
  coordinates?: Record<string, { values: number[]; units?: string; iso?: string[] }>;
  /** Default display window (DICOM window center/width), physical units. */
  window?: { center: number; width: number };
}

export interface Provenance {
  format: string;
  path: string;
  /** Format-specific metadata needed to write the same file kind back (headers, attributes). */
  meta?: Record<string, unknown>;
}

export function sampleCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function createField(init: Omit<Field, 'geometry'> & { geometry?: Partial<Geometry> }): Field {
  const n = sampleCount(init.shape);
  if (init.values.length !== n * init.channels.length) {
    throw new RangeError(`values has ${init.values.length} entries, expected ${n} × ${init.channels.length}`);
  }
  if (init.mask && init.mask.length !== n) throw new RangeError(`mask has ${init.mask.length} entries, expected ${n}`);
  const d = init.shape.length;
  return {
    ...init,
    geometry: {
      spacing: init.geometry?.spacing ?? new Array(d).fill(1),
      origin: init.geometry?.origin ?? new Array(d).fill(0),
      ...init.geometry,
    },
  };
}

export interface ChannelStats {
  name: string;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** 2nd and 98th percentiles, for an automatic display stretch. */
  p2: number;
  p98: number;
}

export interface FieldStats {
  samples: number;
  valid: number;
  maskedFraction: number;
  nonFinite: number;
  channels: ChannelStats[];
}

/**
 * Per-channel statistics over the valid, finite samples. Percentiles come from a 4096-bin
 * histogram between min and max (the lower edge of the bin reached, so within 1/4096 of the range), so this is O(N) in one pass
 * plus one histogram pass, and never sorts.
 */
export function fieldStats(field: Field, onProgress?: (fraction: number) => void): FieldStats {
  const n = sampleCount(field.shape);
  const C = field.channels.length;
  const { values, mask } = field;
  let valid = 0;
  let nonFinite = 0;
  const min = new Float64Array(C).fill(Infinity);
  const max = new Float64Array(C).fill(-Infinity);
  const sum = new Float64Array(C);
  const sum2 = new Float64Array(C);
  const cnt = new Float64Array(C);
  const step = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    valid++;
    for (let c = 0; c < C; c++) {
      const v = values[i * C + c];
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
      sum[c] += v;
      sum2[c] += v * v;
      cnt[c]++;
    }
    if (onProgress && i % step === 0) onProgress((0.5 * i) / n);
  }
  const B = 4096;
  const hist = new Float64Array(B * C);
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    for (let c = 0; c < C; c++) {
      const v = values[i * C + c];
      if (!Number.isFinite(v)) continue;
      const span = max[c] - min[c];
      const b = span > 0 ? Math.min(B - 1, Math.floor(((v - min[c]) / span) * B)) : 0;
      hist[c * B + b]++;
    }
    if (onProgress && i % step === 0) onProgress(0.5 + (0.5 * i) / n);
  }
  const percentile = (c: number, q: number): number => {
    const target = q * cnt[c];
    let acc = 0;
    for (let b = 0; b < B; b++) {
      acc += hist[c * B + b];
      // The bin's lower edge: exact for the many integer images whose low tail sits in bin 0.
      if (acc >= target) return min[c] + (b / B) * (max[c] - min[c]);
    }
    return max[c];
  };
  const channels: ChannelStats[] = field.channels.map((name, c) => {
    const k = cnt[c];
    const mean = k ? sum[c] / k : NaN;
    const variance = k ? Math.max(0, sum2[c] / k - mean * mean) : NaN;
    return {
      name,
      min: k ? min[c] : NaN,
      max: k ? max[c] : NaN,
      mean,
      std: Math.sqrt(variance),
      p2: k ? percentile(c, 0.02) : NaN,
      p98: k ? percentile(c, 0.98) : NaN,
    };
  });
  return { samples: n, valid, maskedFraction: n ? 1 - valid / n : 0, nonFinite, channels };
}

/**
 * The same field with its values and mask in shared memory, so worker threads read them without
 * a copy (a job, the ELM threads). Copies once; a field already shared is returned as it is.
 */
export function shareField(field: Field): Field {
  const share = <T extends Float32Array | Uint8Array>(a: T, Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const out = new Ctor(new SharedArrayBuffer(Math.max(1, a.length) * Ctor.BYTES_PER_ELEMENT)).subarray(0, a.length) as T;
    out.set(a);
    return out;
  };
  return { ...field, values: share(field.values, Float32Array), mask: field.mask ? share(field.mask, Uint8Array) : undefined };
}
