/**
 * A test double of the engine for UI tests that the real engine cannot serve yet: a 3D int16
 * volume with nodata and a DICOM-style window, and a fit job whose progress, metrics, result,
 * failure and cancellation are scripted. It answers the same API as `EngineService`.
 */
import type {
  BackendInfo,
  Capabilities,
  DatasetInfo,
  EngineApi,
  ExportRequest,
  ExportResult,
  FitJobRequest,
  JobEvent,
  JobRequest,
  MethodCatalog,
  OpenRequest,
  SliceData,
  SliceRequest,
  Thumbnail,
  ThumbnailRequest,
  VolumeData,
  VolumeRequest,
} from '../../main/api/contract';
import { InrError } from '../../main/core/errors';
import { methodCatalog } from '../../main/methods/registry';
import type { Field } from '../../main/core/field';
import { planeOf, thumbnailOf, volumeOf } from '../../main/core/sampling';

export const VOLUME = { Z: 16, Y: 48, X: 64 };

/** v(z, y, x): a ramp in x and z plus a bump that grows with z, in HU-like units. */
function volumeValue(z: number, y: number, x: number): number {
  const r2 = (x - 40) ** 2 + (y - 24) ** 2;
  return Math.round(-160 + 3 * x + 6 * z + (120 + 10 * z) * Math.exp(-r2 / 90));
}

/** Nodata: the top-left 8 × 8 corner of every slice. */
function volumeValid(_z: number, y: number, x: number): boolean {
  return !(y < 8 && x < 8);
}

/** The reconstruction a fake fit returns: the source plus a small, known error. */
function reconValue(z: number, y: number, x: number): number {
  return volumeValue(z, y, x) + ((x + y) % 5) - 2;
}

export const VOLUME_INFO: Omit<DatasetInfo, 'id'> = {
  path: '/fake/ct-volume',
  name: 'ct-volume',
  format: 'dicom',
  formatLabel: 'DICOM series (fake)',
  shape: [VOLUME.Z, VOLUME.Y, VOLUME.X],
  axes: ['z', 'y', 'x'],
  channels: ['signal'],
  dtype: 'int16',
  spacing: [2.5, 0.8, 0.8],
  origin: [0, 0, 0],
  units: 'HU',
  window: { center: 40, width: 400 },
  stats: {
    samples: VOLUME.Z * VOLUME.Y * VOLUME.X,
    valid: VOLUME.Z * (VOLUME.Y * VOLUME.X - 64),
    maskedFraction: 64 / (VOLUME.Y * VOLUME.X),
    nonFinite: 0,
    channels: [{ name: 'signal', min: -160, max: 320, mean: -30, std: 70, p2: -150, p98: 160 }],
  },
};

export interface FakeFitScript {
  /** Seconds the job runs; progress every 100 ms. */
  seconds: number;
  /** Fail with this code and message instead of finishing. */
  fail?: { code: 'E_DATA' | 'E_NUMERIC'; message: string };
}

export class FakeEngine implements EngineApi {
  readonly listeners = new Set<(e: JobEvent) => void>();
  readonly fitRequests: FitJobRequest[] = [];
  readonly cancelled: string[] = [];
  readonly sliceRequests: SliceRequest[] = [];
  /** How the next fit behaves, chosen from its params by the test. */
  script: (req: FitJobRequest) => FakeFitScript = () => ({ seconds: 1.2 });
  private readonly timers = new Map<string, ReturnType<typeof setInterval>>();
  private readonly done = new Set<string>();
  private seq = 0;

  onJobEvent(l: (e: JobEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(e: JobEvent): void {
    this.listeners.forEach((l) => l(e));
  }

  async capabilities(): Promise<Capabilities> {
    return { mode: 'test', nativeDialogs: false, version: 'fake' };
  }

  async pickFile(): Promise<string | null> {
    return null;
  }

  async open(req: OpenRequest): Promise<DatasetInfo> {
    if (req.demo || req.path === VOLUME_INFO.path) return { ...VOLUME_INFO, id: `ds-${++this.seq}` };
    throw new InrError('E_NOT_FOUND', 'no such file or folder', req.path ?? req.upload?.name);
  }

  async pickSavePath(): Promise<string | null> {
    return null;
  }

  /** The real registry: the panel shows the engine's own methods and parameters. */
  async methods(): Promise<MethodCatalog> {
    return methodCatalog();
  }

  async backends(): Promise<BackendInfo[]> {
    return [{ id: 'cpu', available: true, reason: 'plain JavaScript (slowest)', device: 'cpu', threads: 1, gflops: 0.5 }];
  }

  async closeDataset(): Promise<{ closed: boolean }> {
    return { closed: true };
  }

  async getVolume(req: VolumeRequest): Promise<VolumeData> {
    if (req.resultOf && !this.done.has(req.resultOf)) throw new InrError('E_ARG', `no reconstruction for job ${req.resultOf}`);
    return volumeOf(fakeField(Boolean(req.resultOf)), req.channel ?? 0, [], req.maxVoxels ?? 2 ** 22);
  }

  async thumbnail(req: ThumbnailRequest): Promise<Thumbnail> {
    return thumbnailOf(fakeSlice(Math.floor(VOLUME.Z / 2)), 0, req.size ?? 96, VOLUME_INFO.window);
  }

  async exportResult(req: ExportRequest): Promise<ExportResult> {
    throw new InrError('E_UNSUPPORTED', `the test engine writes no files (asked for the ${req.what} of ${req.jobId})`);
  }

  async getSlice(req: SliceRequest): Promise<SliceData> {
    this.sliceRequests.push(req);
    if (req.plane) return planeOf(fakeField(Boolean(req.resultOf)), req.plane, req.at ?? []);
    const z = req.index?.[0] ?? 0;
    if (z >= VOLUME.Z) throw new InrError('E_ARG', `index ${z} out of range on axis z (size ${VOLUME.Z})`);
    if (req.resultOf && !this.done.has(req.resultOf)) throw new InrError('E_ARG', `no reconstruction for job ${req.resultOf}`);
    return fakeSlice(z, Boolean(req.resultOf));
  }

  async startJob(req: JobRequest): Promise<{ jobId: string }> {
    if (req.kind !== 'fit') throw new InrError('E_UNSUPPORTED', 'only fit jobs in the fake engine');
    this.fitRequests.push(req);
    const jobId = `job-${++this.seq}`;
    const script = this.script(req);
    const t0 = Date.now();
    const steps = Math.max(2, Math.round(script.seconds * 10));
    let k = 0;
    setTimeout(() => this.emit({ type: 'started', jobId, kind: 'fit', time: Date.now() }), 5);
    const timer = setInterval(() => {
      k++;
      const f = k / steps;
      if (script.fail && f >= 0.5) {
        this.stop(jobId);
        this.emit({ type: 'error', jobId, error: { name: 'InrError', code: script.fail.code, message: script.fail.message, path: VOLUME_INFO.path }, time: Date.now() });
        return;
      }
      if (k >= steps) {
        this.stop(jobId);
        this.done.add(jobId);
        const seconds = (Date.now() - t0) / 1000;
        this.emit({
          type: 'done',
          jobId,
          time: Date.now(),
          result: { kind: 'fit', seconds, metrics: { psnr: 41.5, ssim: 0.987 }, summary: { method: 'elm', backend: 'fake' } },
        });
        return;
      }
      const psnr = 20 + 20 * (1 - Math.exp(-3 * f));
      this.emit({ type: 'progress', jobId, stage: f < 0.3 ? 'features' : 'solving subdomains', fraction: f, metrics: { psnr }, time: Date.now() });
    }, 100);
    this.timers.set(jobId, timer);
    return { jobId };
  }

  async cancelJob(req: { jobId: string }): Promise<{ cancelled: boolean }> {
    if (!this.timers.has(req.jobId)) return { cancelled: false };
    this.stop(req.jobId);
    this.cancelled.push(req.jobId);
    setTimeout(() => this.emit({ type: 'error', jobId: req.jobId, error: { name: 'InrError', code: 'E_CANCELLED', message: 'cancelled by the user' }, time: Date.now() }), 20);
    return { cancelled: true };
  }

  async close(): Promise<void> {
    for (const id of [...this.timers.keys()]) this.stop(id);
  }

  private stop(jobId: string): void {
    clearInterval(this.timers.get(jobId));
    this.timers.delete(jobId);
  }
}

export function fakeSlice(z: number, recon = false): SliceData {
  const { Y, X } = VOLUME;
  const values = new Float32Array(Y * X);
  const mask = new Uint8Array(Y * X);
  for (let y = 0; y < Y; y++) {
    for (let x = 0; x < X; x++) {
      values[y * X + x] = recon ? reconValue(z, y, x) : volumeValue(z, y, x);
      mask[y * X + x] = volumeValid(z, y, x) ? 1 : 0;
    }
  }
  // Like the real engine, a reconstruction has no mask: it predicts every sample.
  return { width: X, height: Y, channels: 1, values, mask: recon ? undefined : mask };
}

/** The whole fake volume as a Field, for the plane and volume requests. */
function fakeField(recon = false): Field {
  const { Z, Y, X } = VOLUME;
  const values = new Float32Array(Z * Y * X);
  const mask = new Uint8Array(Z * Y * X);
  for (let z = 0; z < Z; z++) {
    const s = fakeSlice(z, recon);
    values.set(s.values, z * Y * X);
    if (s.mask) mask.set(s.mask, z * Y * X);
  }
  return {
    axes: [...VOLUME_INFO.axes],
    shape: [...VOLUME_INFO.shape],
    channels: [...VOLUME_INFO.channels],
    values,
    mask: recon ? undefined : mask,
    dtype: VOLUME_INFO.dtype,
    geometry: { spacing: [...VOLUME_INFO.spacing], origin: [...VOLUME_INFO.origin], window: VOLUME_INFO.window },
    provenance: { format: 'dicom', path: VOLUME_INFO.path },
  };
}
