/**
 * The isosurface mesher's messages and its message handler, shared by the Web Worker and the
 * in-page fallback: volumes are sent once under a key, then meshed at any threshold. Pure apart
 * from the `post` callback it is given.
 */
import { finiteSpan, otsuLevel } from '../../../main/mesh/iso-level';
import { marchingCubes } from '../../../main/mesh/marching-cubes';

export interface IsoVolume {
  shape: [number, number, number];
  /** Physical size of one sample along [slowest, middle, fastest]. */
  spacing: [number, number, number];
  values: Float32Array;
}

export type IsoRequest = { type: 'volume'; id: number; key: string; volume: IsoVolume } | { type: 'mesh'; id: number; key: string; level: number; maxTriangles?: number };

export interface IsoVolumeStats {
  /** Otsu's threshold: where the surface starts. NaN for an all-NaN volume. */
  otsu: number;
  min: number;
  max: number;
}

export interface IsoMeshResult {
  positions: Float32Array;
  normals: Float32Array;
  indices: Uint32Array;
  triangleCount: number;
  vertexCount: number;
  truncated: boolean;
  /** Milliseconds spent meshing. */
  ms: number;
}

export type IsoReply =
  | { type: 'volume'; id: number; stats: IsoVolumeStats }
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'mesh'; id: number; mesh: IsoMeshResult }
  | { type: 'error'; id: number; message: string };

/** Volumes kept for re-meshing: the data and one reconstruction. */
const KEEP = 2;

export function createIsoHandler(post: (reply: IsoReply, transfer?: Transferable[]) => void): (req: IsoRequest) => void {
  const volumes = new Map<string, IsoVolume>();
  return (req) => {
    try {
      if (req.type === 'volume') {
        volumes.delete(req.key);
        volumes.set(req.key, req.volume);
        while (volumes.size > KEEP) volumes.delete(volumes.keys().next().value as string);
        const span = finiteSpan(req.volume.values);
        const stats: IsoVolumeStats = span ? { otsu: otsuLevel(req.volume.values, 256, span), min: span.min, max: span.max } : { otsu: NaN, min: NaN, max: NaN };
        post({ type: 'volume', id: req.id, stats });
        return;
      }
      const vol = volumes.get(req.key);
      if (!vol) throw new Error('the volume to mesh is no longer loaded');
      const t0 = performance.now();
      let lastPost = t0;
      const m = marchingCubes(vol.values, vol.shape, req.level, {
        spacing: vol.spacing,
        maxTriangles: req.maxTriangles,
        onProgress: (fraction) => {
          const now = performance.now();
          if (now - lastPost < 100) return;
          lastPost = now;
          post({ type: 'progress', id: req.id, fraction });
        },
      });
      const mesh: IsoMeshResult = {
        positions: m.positions,
        normals: m.normals,
        indices: m.indices,
        triangleCount: m.triangleCount,
        vertexCount: m.vertexCount,
        truncated: m.truncated,
        ms: performance.now() - t0,
      };
      post({ type: 'mesh', id: req.id, mesh }, [m.positions.buffer, m.normals.buffer, m.indices.buffer]);
    } catch (err) {
      post({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) });
    }
  };
}
