import { createBeamModel, type BeamCell, type BeamSpec } from '../../main/inr/elm/beam/model';
import { solveBeam } from '../../main/inr/elm/beam/solve';
import { evaluateBeam } from '../../main/inr/elm/beam/evaluate';
import { defaultOmega } from '../../main/inr/elm/config';
import { finerGrid, sampleGrid } from '../../main/inr/elm/mesh';
import { fieldOf } from '../unit/beam-helpers';
const cells: BeamCell[] = [];
const add = (lo: number[], s: number) => cells.push({ lo, size: [s, s], level: Math.log2(64 / s), layer: 0, norm: 0 });
add([0, 0], 32);
for (let y = 0; y < 32; y += 16) for (let x = 32; x < 64; x += 16) (y === 0 && x === 32 ? undefined : add([y, x], 16));
for (let y = 0; y < 16; y += 4) for (let x = 32; x < 48; x += 4) add([y, x], 4);
for (let y = 32; y < 64; y += 8) for (let x = 0; x < 64; x += 8) add([y, x], 8);
for (const h of [12, 24]) for (const om of [1, 0.5]) {
const spec: BeamSpec = { method: 'elm-beam', shape: [64, 64], channels: 1, overlap: 0.25, activation: 'sine', seed: 3, ridge: 1e-8, affine: true, layers: [{ hidden: h, omega: defaultOmega([6, 6], h, om) }] };
const f = (y: number, x: number) => 0.5 + 0.3 * Math.sin(0.11 * x + 0.07 * y) * Math.cos(0.05 * y);
const smooth = fieldOf([64, 64], (y, x) => [f(y, x)]);
const m2 = createBeamModel(spec, cells);
solveBeam(smooth, m2);
for (const fac of [1, 4]) {
const fine = [finerGrid(64, fac), finerGrid(64, fac)];
const r2 = evaluateBeam(m2, fine);
const nx = fine[1].count;
let maxErr = 0, at = [0,0];
for (let j = 0; j < fine[0].count; j++) for (let i = 0; i < nx; i++) {
  const y = fine[0].start + j * fine[0].step, x = fine[1].start + i * fine[1].step;
  const e = Math.abs(r2[j * nx + i] - f(y, x)); if (e > maxErr) { maxErr = e; at = [y, x]; }
}
console.log(h, om, fac, maxErr, at);
}}
