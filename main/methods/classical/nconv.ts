/** Baseline: Normalised convolution for holes, in any number of dimensions (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('nconv');
