/** A plain ReLU MLP, the spectral-bias baseline (main/inr/nets/relu.ts). */
import { netMethod } from './net-method';

export default netMethod('relu', 'ReLU MLP (baseline)', 'ReLU', {});
