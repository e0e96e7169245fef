/**
 * A height field for the 3D view: the slice's display intensity on a grid of at most
 * `maxSide` × `maxSide` vertices (box-averaged), with the texture coordinates of each vertex.
 */
export interface HeightGrid {
  /** Vertices per row and per column. */
  nx: number;
  ny: number;
  /** ny × nx heights in 0–1; NaN where every covered sample is masked. */
  heights: Float32Array;
}

export function heightGrid(intensity: Float32Array, width: number, height: number, maxSide = 256): HeightGrid {
  const nx = Math.max(2, Math.min(width, maxSide));
  const ny = Math.max(2, Math.min(height, maxSide));
  const heights = new Float32Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    const y0 = Math.floor((j * height) / ny);
    const y1 = Math.max(y0 + 1, Math.floor(((j + 1) * height) / ny));
    for (let i = 0; i < nx; i++) {
      const x0 = Math.floor((i * width) / nx);
      const x1 = Math.max(x0 + 1, Math.floor(((i + 1) * width) / nx));
      let s = 0;
      let k = 0;
      for (let y = y0; y < Math.min(y1, height); y++) {
        for (let x = x0; x < Math.min(x1, width); x++) {
          const v = intensity[y * width + x];
          if (Number.isFinite(v)) {
            s += v;
            k++;
          }
        }
      }
      heights[j * nx + i] = k > 0 ? s / k : NaN;
    }
  }
  return { nx, ny, heights };
}
