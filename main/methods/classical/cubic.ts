/** Baseline: Cubic: Clough–Tocher for holes, Keys cubic convolution (bicubic) for resampling (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('cubic');
