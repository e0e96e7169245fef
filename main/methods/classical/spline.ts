/** Baseline: Interpolating cubic B-spline resampling (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('spline');
