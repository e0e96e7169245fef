/** Baseline: Lanczos-3 resampling (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('lanczos');
