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
  /** An occupancy grid: how it was made, in words (a mesh's inside, or a volume's threshold and clean-up). */
  occupancyRule?: string;
  formatLabel: string;
  shape: number[];
  axes: Axis[];
  channels: string[];
  dtype: string;
  spacing: number[];
  origin: number[];
  units?: string;
  /**
   * The coordinate reference system: GeoTIFF geokeys, or a NetCDF variable's CF `grid_mapping`.
   * `name` is short (`WGS 84`, `UTM 25S`, `lambert_conformal_conic`); `kind` says whether map
   * coordinates are angles or lengths, `units` which (`degrees`, `m`).
   */
  crs?: { epsg?: number; description?: string; name?: string; kind?: 'geographic' | 'projected'; units?: string };
  window?: { center: number; width: number };
  stats: DatasetStats;
  listing?: { series?: SeriesEntry[]; variables?: VariableEntry[]; bands?: string[] };
  /** What was opened: the series UID or variable chosen from the listing, if any. */
  selection?: { series?: string; variable?: string };
  /**
   * Coordinate values of the axes that have them (NetCDF time, level, lat, lon), for pickers
   * and readouts. Time comes decoded to ISO 8601 strings in `iso`. Axes longer than 100,000
   * entries are left out.
   */
  coordinates?: Record<string, AxisCoordinates>;
  /**
   * Medical volumes only (DICOM and NIfTI with three or more axes): where the index axes point
   * in patient space. `direction` is the row-major 3×3 whose columns are the directions of the
   * x, y and z index axes (the last, middle and first of the last three storage axes) in the
   * patient frame `frame`: 'LPS' for DICOM (+x Left, +y Posterior, +z Superior), 'RAS' for
   * NIfTI (+x Right, +y Anterior, +z Superior). Absent for every other format.
   */
  orientation?: DatasetOrientation;
  /** DICOM: the source carries patient-identifying attributes (exports are de-identified by default). */
  patientData?: boolean;
  /**
   * The file's own format as detected, more precise than `format` and `formatLabel` (the reader's
   * list): `NetCDF classic (CDF-1)`, `GeoTIFF (LZW)`, `NIfTI-1 (gzip)`, `DICOM (explicit VR LE)`.
   */
  fileFormat?: string;
  /**
   * Units of each axis's coordinates (`spacing`, `origin`), one entry per axis, '' where none is
   * known: `mm` (DICOM, NIfTI), `m` or `degrees` (GeoTIFF, from its CRS), the coordinate
   * variable's `units` (NetCDF: `degrees_north`, `hours since 1900-01-01`).
   */
  axisUnits?: string[];
  /**
   * How the file asks for its values to be shown: NetCDF `display_scale` (`log`), `display_min`,
   * `display_max`; NIfTI `cal_min`/`cal_max`.
   */
  display?: DisplayHint;
  /**
   * Curvilinear grids (NetCDF 2-D latitude/longitude variables named in `coordinates`): the
   * latitude and longitude of every sample of the last two axes, rows × columns, row-major.
   * Absent above 4 M samples.
   */
  latLon?: { lat: Float64Array; lon: Float64Array };
}

export interface DisplayHint {
  scale?: 'linear' | 'log';
  min?: number;
  max?: number;
}

export interface DatasetOrientation {
  frame: 'LPS' | 'RAS';
  direction: number[];
}

export interface AxisCoordinates {
  values: number[];
  units?: string;
  iso?: string[];
}

export interface OpenRequest {
  /** A path on the engine's machine. */
  path?: string;
  /** Or the bytes of a file uploaded from a browser. */
  upload?: { name: string; bytes: Uint8Array };
  /**
   * Or a folder uploaded from a browser (drag-and-drop of a DICOM folder): every file with its
   * path relative to the dropped folder, `/`-separated. `name` is the folder's name.
   */
  uploadFolder?: { name: string; files: { path: string; bytes: Uint8Array }[] };
  /** Open the bundled demo dataset. */
  demo?: boolean;
  series?: string;
  variable?: string;
  index?: Record<string, number | [number, number]>;
  /** Meshes (opened as occupancy volumes): voxels along the longest axis of the grid, 8–4096 (default 256). */
  res?: number;
  /** A 3-D volume opened as its occupancy instead (`inr-studio occupancy`'s volume options). */
  occupancy?: OccupancyRequest;
}

/**
 * How a single-channel 3-D volume becomes an occupancy grid: `value ≥ threshold` (a number, or
 * Otsu's; the default), or a label map's labels; optionally resampled first to cubic voxels
 * (`res` along the longest side) and cleaned after: smoothed by a Gaussian of σ `smooth` in the
 * volume's length units, the `islands` largest pieces kept, holes filled slice by slice (`fill`).
 */
export interface OccupancyRequest {
  threshold?: number | 'otsu';
  labels?: 'positive' | number[];
  res?: number;
  smooth?: number;
  islands?: number;
  fill?: boolean;
}

/** The most pieces an occupancy clean-up keeps (`islands`, `--islands`). */
export const MAX_ISLANDS = 1_000_000;

/**
 * A 2D plane of a dataset. By default the plane of the last two axes, at fixed indices on the
 * leading ones. With `plane`, any two axes: the orthogonal views of a volume ask for (z, x) at
 * a fixed y (coronal) and (z, y) at a fixed x (sagittal).
 */
export interface SliceRequest {
  datasetId: string;
  /** Index on each leading axis (all but the last two). Default 0. Ignored with `plane`. */
  index?: number[];
  /**
   * The two axes spanning the plane, as indices into `axes`: [row axis, column axis], with
   * row axis < column axis. The answer is rows × columns in storage order (row 0 = index 0).
   */
  plane?: [number, number];
  /** With `plane`: the index on every axis (its length is the number of axes); the entries of the plane's own two axes are ignored. */
  at?: number[];
  /** Take the slice from a job's reconstruction instead of the source. */
  resultOf?: string;
  /** With `resultOf`: which output (default the reconstruction on the source grid). */
  output?: ResultOutput;
}

/**
 * A job's outputs a view can show: `reconstruction` on the source grid, or `resampled`, the
 * finer grid of a super-resolution or through-plane task at its own resolution (its grid is
 * `JobResult.resampled`; indices in requests are on that grid).
 */
/** A job's outputs that views can show: the reconstruction, a resampled grid, a CT task's sinogram. */
export type ResultOutput = 'reconstruction' | 'resampled' | 'sinogram';

export interface SliceData {
  width: number;
  height: number;
  channels: number;
  /** height × width × channels, channel-last, physical units. */
  values: Float32Array;
  /** height × width, 1 = valid. Absent = all valid. */
  mask?: Uint8Array;
}

/**
 * A whole 3D volume (one channel), block-averaged down to at most `maxVoxels` samples, for the
 * isosurface. Fields with more than three axes give the volume of the last three at `index` on
 * the leading ones.
 */
export interface VolumeRequest {
  datasetId: string;
  resultOf?: string;
  /** With `resultOf`: which output (default the reconstruction on the source grid). */
  output?: ResultOutput;
  channel?: number;
  /** Index on each axis before the last three. Default 0. */
  index?: number[];
  /** Upper bound on the samples returned; default 2^22. */
  maxVoxels?: number;
}

export interface VolumeData {
  /** Samples along [slowest, middle, fastest] axis after reduction. */
  shape: [number, number, number];
  /** Source voxels averaged per sample along each axis. */
  step: [number, number, number];
  /** Physical size of one returned sample along each axis (source spacing × step). */
  spacing: [number, number, number];
  /** shape[0]·shape[1]·shape[2] values, fastest axis last, physical units. Masked samples are NaN. */
  values: Float32Array;
  min: number;
  max: number;
}

/** A small preview image of one entry of a dataset's listing (a DICOM series, a NetCDF variable, a band). */
export interface ThumbnailRequest {
  datasetId: string;
  series?: string;
  variable?: string;
  band?: number;
  /** Longest side in pixels, 16–256; default 96. */
  size?: number;
}

/** A gray thumbnail already windowed to 8 bits (2–98 % stretch, or the DICOM window). */
export interface Thumbnail {
  width: number;
  height: number;
  /** width × height gray levels, row 0 at the top. */
  pixels: Uint8Array;
}

export type ExportWhat = 'reconstruction' | 'model' | 'mesh' | 'surface';
/** File formats of an exported surface (`what: 'surface'`). */
export type SurfaceFormat = 'stl' | 'ply' | 'obj' | 'off';

/**
 * Export a job's output. With `path` the engine writes there (a file, or a folder for a DICOM
 * series) and answers the path; without it, it answers the bytes and a suggested file name, and
 * the UI saves them (a download in the browser). Several files come as one `.zip`.
 */
export interface ExportRequest {
  datasetId: string;
  jobId: string;
  what: ExportWhat;
  path?: string;
  /** `what: 'surface'` (an occupancy run's ½ level by marching cubes): its file format, default STL. */
  format?: SurfaceFormat;
  /**
   * DICOM reconstructions: de-identify (PS3.15 Annex E basic profile, new UIDs). Absent: on when
   * the source carries patient attributes (`DatasetInfo.patientData`).
   */
  anonymize?: boolean;
}

export interface ExportResult {
  name: string;
  path?: string;
  bytes?: Uint8Array;
  /** Number of files written or zipped. */
  files: number;
}

/** The adaptive mesh of an ELM+BEAM fit, for the overlay: core extents in sample indices. */
export interface BeamMeshInfo {
  shape: number[];
  cells: { lo: number[]; size: number[]; level: number; norm: number; hidden: number }[];
}

export type JobKind = 'stats' | 'fit';

export interface StatsJobRequest {
  kind: 'stats';
  datasetId: string;
}

/**
 * What a fit is for. `fit` represents the data; `inpaint` fits the samples that are not hidden
 * (a seeded random fraction `drop`, or the `hide` mask of the request) and fills the rest;
 * `superres` evaluates on a grid `scale` times finer along every axis; `interp` resamples the
 * first (slice) axis `zscale` times finer, anchored at the acquired slices.
 */
export type TaskKind = 'fit' | 'inpaint' | 'superres' | 'interp' | 'ct';

/**
 * `check` on a resampling task measures it against the data itself: the data are first reduced
 * by the factor (`superres`: K×K… blocks averaged; `interp`: every K-th slice kept), the method
 * resamples them back onto the source grid, and the result is scored against the source (for
 * `interp`, `psnr_unobserved` is over the slices that were left out).
 */
export type TaskRequest =
  { kind: 'fit' } | { kind: 'inpaint'; drop?: number } | { kind: 'superres'; scale: number; check?: boolean } | { kind: 'interp'; zscale: number; check?: boolean } | CtTaskRequest;

/**
 * Sparse-view CT of a 2-D slice: its parallel-beam sinogram is simulated with `views` views
 * equally spaced over 180° (or over `limitedAngle` degrees), with Poisson noise of `photons`
 * incident photons per bin when given; the method reconstructs the slice from it and is scored
 * against the slice.
 */
export interface CtTaskRequest {
  kind: 'ct';
  views: number;
  photons?: number;
  limitedAngle?: number;
}

/** ELM-INR on a uniform mesh of subdomains (main/methods/elm.ts). */
export interface ElmParams {
  hidden?: number;
  /** Cells per axis: one entry for every axis, or one per axis. */
  subdomains?: number[];
  overlap?: number;
  activation?: 'sine' | 'tanh' | 'gauss';
  freq?: number;
  ridge?: number;
  seed?: number;
  budget?: number;
}

/** ELM-INR on the BEAM adaptive mesh (main/methods/elm-beam.ts). `mesh` is a mesh.json path: command line only. */
export interface BeamParams {
  budget?: number;
  hidden?: number;
  overlap?: number;
  activation?: 'sine' | 'tanh' | 'gauss';
  freq?: number;
  ridge?: number;
  seed?: number;
  strategy?: 'auto' | 'split' | 'capacity' | 'hybrid' | 'best';
  mesh?: string;
}

/** The backpropagation nets (main/methods/nets/): training, architecture and IGA. */
export interface NetParams {
  steps?: number;
  lr?: number;
  gamma?: number;
  batch?: number;
  patience?: number;
  minDelta?: number;
  targetPsnr?: number;
  maxSeconds?: number;
  keepBest?: boolean;
  seed?: number;
  backend?: 'auto' | 'tfjs-node-gpu' | 'webgpu' | 'wasm' | 'cpu';
  width?: number;
  layers?: number;
  omega0?: number;
  hiddenOmega0?: number;
  sigma?: number;
  features?: number;
  s0?: number;
  degree?: number;
  rank?: number;
  c?: number;
  learnC?: boolean;
  initScale?: number;
  iga?: boolean;
  /** 'bce': binary cross-entropy, for 0/1 targets such as occupancy; default 'mse'. */
  loss?: 'mse' | 'bce';
  igaStart?: number;
  igaEnd?: number;
  igaPatch?: number;
  igaEvery?: number;
  /** CT: 'ramp' weights the sinogram residual by FBP's ramp filter (a preconditioner); default 'none'. */
  precondition?: 'ramp' | 'none';
}

/** The classical interpolations (main/methods/classical/); most have no parameters. */
export interface BaselineParams {
  /** Clough–Tocher vertex gradients. */
  gradients?: 'local' | 'nielson';
  /** Normalised convolution: first scale and fill density. */
  sigma?: number;
  density?: number;
}

/** The parameters of any method; the engine checks them against the chosen method's registry entry. */
export type MethodParams = ElmParams | BeamParams | NetParams | BaselineParams;

export interface FitJobRequest {
  kind: 'fit';
  datasetId: string;
  /** A method id from `methods()`. */
  method: string;
  task?: TaskRequest;
  params?: MethodParams;
  /**
   * Samples to hide from training (inpainting with a brush): prod(shape) entries, 1 = hidden.
   * The hidden samples are then scored as `psnr_unobserved`.
   */
  hide?: Uint8Array;
}

/** One parameter of a method or a task, as the engine's registry declares it. */
export type ParamInfo = {
  name: string;
  label: string;
  help: string;
  /** Shown under "Advanced". */
  advanced?: boolean;
  /** Only for these tasks (every task of the method when absent). */
  tasks?: TaskKind[];
} & (
  | {
      type: 'int' | 'number';
      min: number;
      max: number;
      /** Step of the UI's spinner. */
      step: number;
      /** The value the form starts with; absent = blank, the engine chooses (`auto` says how). */
      default?: number;
      auto?: string;
    }
  | { type: 'int-list'; min: number; max: number; default?: number[]; auto?: string }
  | { type: 'bool'; default: boolean }
  | { type: 'enum'; values: string[]; default: string }
);

/** A method of the registry, for the fit panel, the runs table and export names. */
export interface MethodInfo {
  id: string;
  label: string;
  /** For legends and tables: `ELM`, `SIREN`, `Cubic`. */
  short: string;
  family: 'elm' | 'net' | 'classical';
  tasks: TaskKind[];
  /** Fewest and most data axes it handles. */
  dims: { min: number; max: number };
  params: ParamInfo[];
  /** The model file a fit writes (absent: the method keeps no model). */
  model?: { ext: string };
  /** Extra files a fit can export (BEAM: the mesh). */
  exports: ExportWhat[];
}

export interface TaskInfo {
  id: TaskKind;
  label: string;
  /** Fewest and most data axes (through-plane needs a volume; CT a 2-D slice). */
  minDims: number;
  maxDims?: number;
  params: ParamInfo[];
}

export interface MethodCatalog {
  methods: MethodInfo[];
  tasks: TaskInfo[];
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
  /** ELM+BEAM: the adaptive mesh. */
  mesh?: BeamMeshInfo;
  /** What `exportResult` can give for this job. */
  exports?: ExportWhat[];
  /** Super-resolution and through-plane tasks: the grid of the resampled output (`output: 'resampled'`). */
  resampled?: ResampledGrid;
  /** CT: the sinogram's size (views × detector bins) and its angles in degrees (`output: 'sinogram'` shows it). */
  sinogram?: { shape: number[]; angles: number[] };
}

/** The grid of a resampled output: one entry per axis of the dataset, as `DatasetInfo` has them. */
export interface ResampledGrid {
  shape: number[];
  spacing: number[];
  origin: number[];
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

/** Options of a long call: cancelling the signal stops it (it then rejects with E_CANCELLED). */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Every request the engine answers. The keys are the wire method names. */
export interface EngineApi {
  capabilities(): Promise<Capabilities>;
  open(req: OpenRequest, opts?: CallOptions): Promise<DatasetInfo>;
  /** Release an open dataset, its results and an upload's copy. */
  closeDataset(req: { datasetId: string }): Promise<{ closed: boolean }>;
  getSlice(req: SliceRequest): Promise<SliceData>;
  startJob(req: JobRequest): Promise<{ jobId: string }>;
  cancelJob(req: { jobId: string }): Promise<{ cancelled: boolean }>;
  /** Native open dialog (Electron); the browser answers null and the UI uses an upload instead. */
  pickFile(): Promise<string | null>;
  /** Native save dialog (Electron); the browser answers null and the UI downloads bytes instead. */
  pickSavePath(req: { suggestedName: string }): Promise<string | null>;
  getVolume(req: VolumeRequest, opts?: CallOptions): Promise<VolumeData>;
  thumbnail(req: ThumbnailRequest): Promise<Thumbnail>;
  exportResult(req: ExportRequest, opts?: CallOptions): Promise<ExportResult>;
  /** The methods and tasks the engine offers, with their parameters. */
  methods(): Promise<MethodCatalog>;
  /** The compute backends of the backpropagation nets on this machine, in the order `auto` tries them. */
  backends(): Promise<BackendInfo[]>;
}

/** A compute backend of the nets (main/inr/nets/backend.ts), as the Fit panel states it before a run. */
export interface BackendInfo {
  id: 'tfjs-node-gpu' | 'webgpu' | 'wasm' | 'cpu';
  available: boolean;
  /** Why it is unavailable, or how it runs (`SIMD, 1 thread`). */
  reason: string;
  device: 'gpu' | 'cpu';
  /** CPU backends: threads one fit uses. */
  threads?: number;
  /** Measured float32 matrix-product rate on this machine (GFLOP/s), for time estimates; absent where not measured. */
  gflops?: number;
}

export type MethodName = keyof EngineApi;

export const METHOD_NAMES: readonly MethodName[] = [
  'capabilities',
  'open',
  'closeDataset',
  'getSlice',
  'startJob',
  'cancelJob',
  'pickFile',
  'pickSavePath',
  'getVolume',
  'thumbnail',
  'exportResult',
  'methods',
  'backends',
] as const;

/** What the renderer holds: the requests plus the job event stream. */
export interface InrApi extends EngineApi {
  /** Subscribe to job events; returns the unsubscribe function. */
  onJobEvent(listener: (e: JobEvent) => void): () => void;
  /** Electron only: the local path of a dropped file or folder (undefined in a browser). */
  pathForFile?(file: object): string | undefined;
}

/** IPC channel names used by the Electron preload. */
export const IPC_CALL = 'inr:call';
export const IPC_EVENT = 'inr:event';
/** Cancels the call of that id (the fourth argument of an `inr:call`). */
export const IPC_CANCEL = 'inr:cancel';
