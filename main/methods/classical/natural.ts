/** Baseline: Natural neighbour (Sibson) interpolation for holes (main/classical). */
import { baselineMethod } from './baseline';

export default baselineMethod('natural');
