import { openField } from '../../main/data/index';
import { sample } from './samples';

/** The shared Shepp–Logan phantom (phantom.png, gray) area-averaged down to N×N in [0, 1] (N divides the size or not). */
export async function phantom(N: number): Promise<Float64Array> {
  const f = await openField(sample('images', 'phantom.png'));
  const [H, W] = f.shape;
  const C = f.channels.length;
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      let n = 0;
      for (let a = Math.floor((i * H) / N); a < Math.floor(((i + 1) * H) / N); a++)
        for (let b = Math.floor((j * W) / N); b < Math.floor(((j + 1) * W) / N); b++) {
          s += f.values[(a * W + b) * C] / 255;
          n++;
        }
      out[i * N + j] = s / n;
    }
  return out;
}
