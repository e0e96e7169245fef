/** FFN: ReLU MLP on Gaussian Fourier features (Tancik et al. 2020; main/inr/nets/ffn.ts). */
import { netMethod } from './net-method';

export default netMethod('ffn', 'FFN (Fourier features + ReLU)', 'FFN', { sigma: 10, features: 256 });
