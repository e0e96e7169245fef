/** BW-ReLU: second-order B-spline wavelets built from groups of 7 ReLUs (main/inr/nets/bwrelu.ts). */
import { netMethod } from './net-method';

export default netMethod('bwrelu', 'BW-ReLU', 'BW-ReLU', { c: 9, learnC: false, initScale: 1 });
