/** Baseline: Monotone cubic (PCHIP) resampling: no overshoot (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('pchip');
