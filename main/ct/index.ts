/**
 * Sparse-view CT (issue 15), pure numerics: the parallel-beam projector and its adjoint, sinogram
 * simulation and input checks, FBP, SART(-TV)/CGLS, ELM-INR solved through the projector (on a
 * uniform mesh or on a BEAM adaptive mesh built from a first reconstruction), and the
 * projector as a TensorFlow.js op for training the nets. No I/O: the CLI and the job runner read
 * files into Fields and call these.
 */
export {
  backprojectInterp,
  csrMultiply,
  csrTranspose,
  defaultDetectors,
  parallelGeometry,
  radonAdjoint,
  radonForward,
  radonMatrix,
  sinogramSize,
  type ApplyOptions,
  type CsrMatrix,
  type GeometryOptions,
  type ParallelGeometry,
  type PixelBox,
} from './radon';
export {
  geometryForSinogram,
  simulateSinogram,
  sinogramField,
  sinogramFromField,
  viewAngles,
  type AngleOptions,
  type SimulatedSinogram,
  type SimulateOptions,
  type SinogramFieldOptions,
  type SinogramInput,
} from './sinogram';
export { angularWeights, fbp, fbpFilterResponse, filterSinogram, FBP_FILTERS, parseFbpFilter, type FbpFilter, type FbpOptions } from './fbp';
export { cgls, sart, SART_DEFAULTS, viewOrder, type CglsOptions, type IterativeResult, type SartOptions } from './iterative';
export { totalVariation, tvProx } from './tv';
export { elmCt, defaultBudget, ELM_CT_DEFAULTS, type ElmCtOptions, type ElmCtParams, type ElmCtPrior, type ElmCtResult } from './elm-ct';
export { beamCt, BEAM_CT_DEFAULTS, type BeamCtOptions, type BeamCtParams, type BeamCtPilot, type BeamCtResult } from './beam-ct';
export { tfProjector, trainNetCt, type NetCtHooks, type NetCtOptions, type NetCtResult, type TfProjector, type TfProjectorKind } from './net-ct';
export { checkCancelled, type CtHooks } from './hooks';
