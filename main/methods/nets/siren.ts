/** SIREN: sine activations, ω0 = 30 (Sitzmann et al. 2020; main/inr/nets/siren.ts). */
import { netMethod } from './net-method';

export default netMethod('siren', 'SIREN (sine, ω0 = 30)', 'SIREN', { omega0: 30, hiddenOmega0: undefined });
