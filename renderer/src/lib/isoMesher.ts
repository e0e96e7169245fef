/**
 * The isosurface mesher as the UI sees it: send a volume once, then ask for meshes at any
 * threshold. The work runs in a module Web Worker; where no worker can start (a policy or an
 * old shell), it runs in the page after the next paint, so the view still works, only less
 * smoothly. One request at a time reaches the worker; callers keep only the newest answer.
 */
import { createIsoHandler, type IsoMeshResult, type IsoReply, type IsoRequest, type IsoVolume, type IsoVolumeStats } from './isoMesherCore';

interface Pending {
  req: IsoRequest;
  resolve: (r: IsoReply) => void;
  reject: (err: Error) => void;
  onProgress?: (fraction: number) => void;
}

export class IsoMesher {
  private worker?: Worker;
  private inline?: (req: IsoRequest) => void;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The volumes sent, kept so that the in-page fallback can take over from a failed worker. */
  private readonly volumes = new Map<string, IsoVolume>();
  /** 'worker' or 'page': where the meshing runs, for diagnostics. */
  mode: 'worker' | 'page' = 'worker';

  constructor() {
    try {
      this.worker = new Worker(new URL('../workers/isosurface.worker.ts', import.meta.url), { type: 'module', name: 'isosurface' });
      this.worker.onmessage = (e: MessageEvent<IsoReply>) => this.receive(e.data);
      this.worker.onerror = (e) => {
        e.preventDefault();
        this.fallBack();
      };
    } catch {
      this.fallBack();
    }
  }

  /** Send a volume under `key`; answers its value range and Otsu's threshold. */
  async loadVolume(key: string, volume: IsoVolume): Promise<IsoVolumeStats> {
    this.volumes.delete(key);
    this.volumes.set(key, volume);
    while (this.volumes.size > 2) this.volumes.delete(this.volumes.keys().next().value as string);
    const r = await this.send({ type: 'volume', id: this.nextId++, key, volume });
    if (r.type !== 'volume') throw new Error('the isosurface worker answered out of turn');
    return r.stats;
  }

  /** The isosurface of a loaded volume at `level`. */
  async mesh(key: string, level: number, onProgress?: (fraction: number) => void, maxTriangles?: number): Promise<IsoMeshResult> {
    const r = await this.send({ type: 'mesh', id: this.nextId++, key, level, maxTriangles }, onProgress);
    if (r.type !== 'mesh') throw new Error('the isosurface worker answered out of turn');
    return r.mesh;
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('the isosurface view was closed'));
    this.pending.clear();
    this.volumes.clear();
  }

  private send(req: IsoRequest, onProgress?: (fraction: number) => void): Promise<IsoReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { req, resolve, reject, onProgress });
      this.dispatch(req);
    });
  }

  private dispatch(req: IsoRequest): void {
    if (this.worker) {
      // Volumes are copied, not transferred: the page keeps its copy for the fallback.
      this.worker.postMessage(req);
      return;
    }
    const run = this.inline!;
    // Let the busy indicator paint before the page is held by the meshing.
    requestAnimationFrame(() => setTimeout(() => run(req), 0));
  }

  private receive(reply: IsoReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.type === 'progress') {
      p.onProgress?.(reply.fraction);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === 'error') p.reject(new Error(reply.message));
    else p.resolve(reply);
  }

  /** The worker could not start or died: mesh in the page, re-sending what was in flight. */
  private fallBack(): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.mode = 'page';
    const handle = createIsoHandler((reply) => this.receive(reply));
    this.inline = handle;
    // The page-side handler needs the volumes the worker had.
    let id = -1;
    for (const [key, volume] of this.volumes) handle({ type: 'volume', id: id--, key, volume });
    for (const p of this.pending.values()) this.dispatch(p.req);
  }
}
