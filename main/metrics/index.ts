/**
 * Image and field quality metrics: PSNR, RMSE, MAE, MSE (pointwise, optionally masked), SSIM
 * for 2D images and 3D volumes (scikit-image compatible), and `fieldMetrics` for two Fields.
 */
export { errorSums, mae, mse, psnr, psnrFromMse, resolveChannels, rmse, type ErrorOptions, type ErrorSums, type PsnrOptions, type SampleMask, type Samples } from './pointwise';
export {
  gaussianKernel1d,
  reflectIndex,
  ssim,
  ssimDetailed,
  ssimMap,
  ssimVolume,
  SSIM_K1,
  SSIM_K2,
  SSIM_RADIUS,
  SSIM_SIGMA,
  SSIM_TRUNCATE,
  SSIM_WINDOW,
  type SsimOptions,
  type SsimResult,
  type SsimVolumeOptions,
} from './ssim';
export { dataRangeOf, fieldMetrics, fieldMetricsWith, ssimJobSums, type FieldMetrics, type FieldMetricsOptions, type SsimJob } from './field-metrics';
