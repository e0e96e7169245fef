/**
 * The API contract between the user interface and the engine: requests, results and job
 * events. Three places implement it — the Electron preload (IPC), the local bridge server
 * (WebSocket on 127.0.0.1) and the in-process service used by tests — and the renderer cannot
 * tell which one it talks to. This file holds types and constants only, so the renderer may
 * import it without pulling in any engine code.
 *
 * The shape follows one rule: every request is `call(method, args) → Promise<result>`, and every
 * stream is an event with a `jobId`. Errors cross as `{ name, code, message, path }`.
 */

export type Axis = string;

export interface ChannelStats {
  name: string;
  min: number;
  max: number;
  mean: number;
  std: number;
  p2: number;
  p98: number;
}

export interface DatasetStats {
  samples: number;
  valid: number;
  maskedFraction: number;
  nonFinite: number;
  channels: ChannelStats[];
}

export interface SeriesEntry {
  uid: string;
  patient: string;
  study: string;
  description: string;
  modality: string;
  slices: number;
  rows: number;
  columns: number;
}

export interface VariableEntry {
  name: string;
  dimensions: string[];
  shape: number[];
  units?: string;
  longName?: string;
}

/** An open dataset as the UI sees it. `id` names it in later calls. */
export interface DatasetInfo {
  id: string;
  path: string;
  name: string;
  format: string;
  formatLabel: string;
  shape: number[];
  axes: Axis[];
  channels: string[];
  dtype: string;
  spacing: number[];
  origin: number[];
  units?: string;
  crs?: { epsg?: number; description?: string };
  window?: { center: number; width: number };
  stats: DatasetStats;
  listing?: { series?: SeriesEntry[]; variables?: VariableEntry[]; bands?: string[] };
}

export interface OpenRequest {
  /** A path on the engine's machine. */
  path?: string;
  /** Or the bytes of a file uploaded from a browser. */
  upload?: { name: string; bytes: Uint8Array };
  /** Open the bundled demo dataset. */
  demo?: boolean;
  series?: string;
  variable?: string;
  index?: Record<string, number | [number, number]>;
}

/** A 2D plane of a dataset: the last two axes, at fixed indices on the leading ones. */
export interface SliceRequest {
  datasetId: string;
  /** Index on each leading axis (all but the last two). Default 0. */
  index?: number[];
  /** Take the slice from a job's reconstruction instead of the source. */
  resultOf?: string;
}

export interface SliceData {
  width: number;
  height: number;
  channels: number;
  /** height × width × channels, channel-last, physical units. */
  values: Float32Array;
  /** height × width, 1 = valid. Absent = all valid. */
  mask?: Uint8Array;
}

export type JobKind = 'stats' | 'fit';

export interface StatsJobRequest {
  kind: 'stats';
  datasetId: string;
}

export interface FitJobRequest {
  kind: 'fit';
  datasetId: string;
  method: string;
  task?: 'fit' | 'inpaint' | 'superres';
  params?: Record<string, number | string | boolean>;
}

export type JobRequest = StatsJobRequest | FitJobRequest;

export interface JobMetrics {
  [name: string]: number;
}

export type JobEvent =
  | { type: 'started'; jobId: string; kind: JobKind; time: number }
  | { type: 'progress'; jobId: string; stage: string; fraction: number; metrics?: JobMetrics; time: number }
  | { type: 'done'; jobId: string; result: JobResult; time: number }
  | { type: 'error'; jobId: string; error: WireError; time: number };

export interface JobResult {
  kind: JobKind;
  seconds: number;
  metrics: JobMetrics;
  /** Present for 'stats'. */
  stats?: DatasetStats;
  /** Free-form summary (method, params, backend…) for tables. */
  summary?: Record<string, number | string | boolean>;
}

export interface WireError {
  name: string;
  code: string;
  message: string;
  path?: string;
}

export interface Capabilities {
  mode: 'electron' | 'browser' | 'test';
  /** True where a native file dialog exists (Electron). */
  nativeDialogs: boolean;
  version: string;
}

/** Every request the engine answers. The keys are the wire method names. */
export interface EngineApi {
  capabilities(): Promise<Capabilities>;
  open(req: OpenRequest): Promise<DatasetInfo>;
  getSlice(req: SliceRequest): Promise<SliceData>;
  startJob(req: JobRequest): Promise<{ jobId: string }>;
  cancelJob(req: { jobId: string }): Promise<{ cancelled: boolean }>;
  /** Native open dialog (Electron); the browser answers null and the UI uses an upload instead. */
  pickFile(): Promise<string | null>;
}

export type MethodName = keyof EngineApi;

export const METHOD_NAMES: readonly MethodName[] = ['capabilities', 'open', 'getSlice', 'startJob', 'cancelJob', 'pickFile'] as const;

/** What the renderer holds: the requests plus the job event stream. */
export interface InrApi extends EngineApi {
  /** Subscribe to job events; returns the unsubscribe function. */
  onJobEvent(listener: (e: JobEvent) => void): () => void;
}

/** IPC channel names used by the Electron preload. */
export const IPC_CALL = 'inr:call';
export const IPC_EVENT = 'inr:event';
