/** GaussNet: Gaussian activations exp(−(s·z)²) (Ramasinghe & Lucey 2022; main/inr/nets/gauss.ts). */
import { netMethod } from './net-method';

export default netMethod('gauss', 'GaussNet', 'GaussNet', { s0: 10 });
