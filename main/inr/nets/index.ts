/**
 * Backpropagation INRs (SIREN, FFN, GaussNet, WIRE, SL2A-INR, BW-ReLU, plain ReLU) on
 * TensorFlow.js, with IGA and the spectral-bias analysis. See METHODS.md §3–§9, §12, §13.
 */
export { BACKEND_IDS, listBackends, parseBackendId, probeBackend, useBackend, wasmBinaryDir, type ActiveBackend, type BackendId, type BackendStatus } from './backend';
export { buildNet, METHOD_DEFAULTS, NET_METHODS, parseNetMethod, type MethodDefaults, type NetMethod, type NetOptions } from './options';
export { paramCount, type Net } from './net';
export {
  ADAM,
  igaLoss,
  lambdaLr,
  measureBytesPerSample,
  MEMORY_BUDGET,
  trainNet,
  type IgaOptions,
  type StepInfo,
  type TrainOptions,
  type TrainResult,
  type TrainSet,
} from './train';
export { adjustResidual, empiricalNtk, igaGroups, igaTransform, selectGroupMaxima, type IgaGroups, type IgaTransform } from './iga';
export { jacobiEigen, type Eigen } from './eigen';
export {
  axisCoord,
  evaluateNet,
  evaluateNetModel,
  fitNet,
  gridCoords,
  loadNetModel,
  type NetFitResult,
  type NetModel,
  type NetSamples,
  type NetTaskHooks,
  type NetTaskOptions,
} from './task';
export {
  dftBin,
  relativeErrors,
  roundHalfEven,
  spectralBias,
  spectralHeatmapPng,
  spectralTarget,
  writeSpectralHeatmap,
  SPECTRAL_BINS,
  SPECTRAL_SAMPLES,
  type SpectralError,
  type SpectralOptions,
  type SpectralResult,
} from './spectral';
export { decodeNetModel, encodeNetModel, loadNetModelFile, NET_MODEL_FORMAT, saveNetModel } from './io';
