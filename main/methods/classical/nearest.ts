/** Baseline: Nearest sample: the floor every method must beat (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('nearest');
