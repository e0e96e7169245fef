/** SL2A-INR: a learnable Chebyshev first layer modulating ReLU fusion layers (Heidari et al. 2025; main/inr/nets/sl2a.ts). */
import { netMethod } from './net-method';

export default netMethod('sl2a', 'SL2A-INR', 'SL2A', { degree: 256, rank: 128 });
