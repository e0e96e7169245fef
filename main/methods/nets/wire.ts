/** WIRE: complex Gabor wavelet activations (Saragadam et al. 2023; main/inr/nets/wire.ts). */
import { netMethod } from './net-method';

export default netMethod('wire', 'WIRE (Gabor wavelet)', 'WIRE', { omega0: 20, s0: 30 });
