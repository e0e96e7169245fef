/**
 * Colormaps for single-channel display: 256-entry RGB lookup tables.
 *
 * viridis and magma use the 6th-order polynomial fits of the matplotlib maps published by
 * Matt Zucconi (Shadertoy "Colormap approximations", CC0); coolwarm is Moreland's diverging
 * map through five knots. cividis (Nuñez, Anderton and Renslow, PLOS ONE 2018: readable with a
 * red–green colour-vision deficiency) is interpolated through six samples of the published map;
 * `diverging` is ColorBrewer's RdBu (eleven classes, blue for negative, near-white at the
 * centre), meant for a window centred on 0 (`centredWindow`); `terrain` is a land ramp for
 * elevation models (lowland green, upland tan and brown, summits white). The tables are built
 * once and cached.
 */
export type ColormapName = 'gray' | 'inverted' | 'viridis' | 'magma' | 'cividis' | 'coolwarm' | 'diverging' | 'terrain';

export const COLORMAPS: ReadonlyArray<{ name: ColormapName; label: string }> = [
  { name: 'gray', label: 'Gray' },
  { name: 'inverted', label: 'Gray (inverted)' },
  { name: 'viridis', label: 'Viridis' },
  { name: 'magma', label: 'Magma' },
  { name: 'cividis', label: 'Cividis (colour-blind safe)' },
  { name: 'diverging', label: 'Blue–red, centred on 0' },
  { name: 'coolwarm', label: 'Cool–warm (diverging)' },
  { name: 'terrain', label: 'Terrain (elevation)' },
];

/** Colormaps whose centre is meant to sit at 0: choosing one centres the window there. */
export const CENTRED_COLORMAPS: ReadonlySet<ColormapName> = new Set(['diverging', 'coolwarm']);

type Vec3 = [number, number, number];

const VIRIDIS: Vec3[] = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

const MAGMA: Vec3[] = [
  [-0.002136485053939582, -0.000749655052795221, -0.005386127855323933],
  [0.2516605407371642, 0.6775232436837668, 2.494026599312351],
  [8.353717279216625, -3.577719514958484, 0.3144679030132573],
  [-27.66873308576866, 14.26473078096533, -13.64921318813922],
  [52.17613981234068, -27.94360607168351, 12.94416944238394],
  [-50.76852536473588, 29.04658282127291, 4.23415299384598],
  [18.65570506591883, -11.48977351997711, -5.601961508734096],
];

const COOLWARM_KNOTS: Array<[number, Vec3]> = [
  [0, [59, 76, 192]],
  [0.25, [124, 159, 249]],
  [0.5, [221, 221, 221]],
  [0.75, [244, 154, 123]],
  [1, [180, 4, 38]],
];

const CIVIDIS_KNOTS: Array<[number, Vec3]> = [
  [0, [0, 34, 78]],
  [0.2, [53, 69, 108]],
  [0.4, [102, 105, 112]],
  [0.6, [148, 142, 119]],
  [0.8, [200, 184, 102]],
  [1, [254, 232, 56]],
];

const RDBU_HEX = ['053061', '2166ac', '4393c3', '92c5de', 'd1e5f0', 'f7f7f7', 'fddbc7', 'f4a582', 'd6604d', 'b2182b', '67001f'];
const DIVERGING_KNOTS: Array<[number, Vec3]> = RDBU_HEX.map((h, i) => [
  i / (RDBU_HEX.length - 1),
  [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)],
]);

const TERRAIN_KNOTS: Array<[number, Vec3]> = [
  [0, [0, 97, 71]],
  [0.16, [16, 122, 47]],
  [0.33, [120, 170, 60]],
  [0.5, [232, 215, 125]],
  [0.67, [161, 110, 50]],
  [0.84, [130, 90, 80]],
  [1, [255, 255, 255]],
];

function polynomial(coeffs: Vec3[], t: number): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let v = 0;
    for (let k = coeffs.length - 1; k >= 0; k--) v = v * t + coeffs[k][c];
    out[c] = v * 255;
  }
  return out;
}

function knots(table: Array<[number, Vec3]>, t: number): Vec3 {
  for (let k = 1; k < table.length; k++) {
    const [t1, c1] = table[k];
    if (t <= t1 || k === table.length - 1) {
      const [t0, c0] = table[k - 1];
      const u = (t - t0) / (t1 - t0);
      return [c0[0] + u * (c1[0] - c0[0]), c0[1] + u * (c1[1] - c0[1]), c0[2] + u * (c1[2] - c0[2])];
    }
  }
  return table[table.length - 1][1];
}

function colorAt(name: ColormapName, t: number): Vec3 {
  switch (name) {
    case 'gray':
      return [t * 255, t * 255, t * 255];
    case 'inverted':
      return [(1 - t) * 255, (1 - t) * 255, (1 - t) * 255];
    case 'viridis':
      return polynomial(VIRIDIS, t);
    case 'magma':
      return polynomial(MAGMA, t);
    case 'coolwarm':
      return knots(COOLWARM_KNOTS, t);
    case 'cividis':
      return knots(CIVIDIS_KNOTS, t);
    case 'diverging':
      return knots(DIVERGING_KNOTS, t);
    case 'terrain':
      return knots(TERRAIN_KNOTS, t);
  }
}

const cache = new Map<ColormapName, Uint8Array>();

/** The 256 × RGB table of a colormap: entry i is the colour of t = i / 255. */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const rgb = colorAt(name, i / 255);
      for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.max(0, Math.min(255, Math.round(rgb[c])));
    }
    cache.set(name, lut);
  }
  return lut;
}

export function isColormap(name: string): name is ColormapName {
  return COLORMAPS.some((c) => c.name === name);
}

/** A CSS linear-gradient (left to right) for a colorbar. */
export function colormapGradientCss(name: ColormapName, stops = 17): string {
  const lut = colormapLut(name);
  const parts: string[] = [];
  for (let k = 0; k < stops; k++) {
    const i = Math.round((k / (stops - 1)) * 255);
    parts.push(`rgb(${lut[i * 3]}, ${lut[i * 3 + 1]}, ${lut[i * 3 + 2]}) ${((k / (stops - 1)) * 100).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
