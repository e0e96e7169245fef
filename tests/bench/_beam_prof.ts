import { openField } from '../../main/data/index';
import { barronNorm, extractBox } from '../../main/inr/elm/beam/barron';
const field = await openField('/work/shared/data/images/astronaut.png');
for (let rep = 0; rep < 2; rep++)
for (const w of [64, 32, 16, 8]) {
  const c0 = process.cpuUsage();
  let n = 0;
  for (let y = 0; y < 512; y += w) for (let x = 0; x < 512; x += w) {
    const { block } = extractBox(field.values, field.shape, 3, [y, x], [w, w]);
    barronNorm(block, [w, w], 3, [w * 1.3, w * 1.3]);
    n++;
  }
  const c = process.cpuUsage(c0);
  console.log(w, n, 'cpu s', ((c.user + c.system) / 1e6).toFixed(3));
}
