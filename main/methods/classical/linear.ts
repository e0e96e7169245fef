/** Baseline: Linear: Delaunay-barycentric for holes, multilinear for resampling (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('linear');
