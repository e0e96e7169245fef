/**
 * A small sequential DCT JPEG decoder with Huffman coding: ITU-T T.81 processes 1 (baseline,
 * 8-bit), 2 and 4 (extended, 8- and 12-bit). DICOM's "JPEG Extended" transfer syntax
 * (1.2.840.10008.1.2.4.51) carries 12-bit images that the libjpeg-turbo 8-bit codec refuses, so
 * this decoder exists for them; it also serves as a fallback for baseline 8-bit data.
 *
 * Supported: 1–4 components, any sampling factors (nearest-neighbour upsampling), interleaved
 * and non-interleaved scans, restart intervals, 8- and 16-bit quantisation tables, JFIF/Adobe
 * colour transform to RGB. Not supported: progressive, hierarchical, lossless and arithmetic
 * coding (those throw `JpegError` with a reason).
 *
 * Every loop is bounded by the frame size or the input length, so corrupt input ends in a
 * `JpegError`, never a hang.
 */

/** A decoding failure, with a one-line reason. */
export class JpegError extends Error {
  override name = 'JpegError';
}

/** A decoded image: samples interleaved per pixel (`components` per pixel), row-major. */
export interface JpegImage {
  width: number;
  height: number;
  components: number;
  /** Sample precision in bits (8 or 12). */
  precision: number;
  data: Uint16Array;
}

export interface JpegDecodeOptions {
  /** Refuse frames with more samples than this before allocating (default 2^28). */
  maxSamples?: number;
  /** Force (true) or forbid (false) the YCbCr → RGB conversion of 3-component images. */
  colorTransform?: boolean;
}

/** Zig-zag order: the k-th coefficient of the entropy-coded sequence sits at ZIGZAG[k] in the block. */
const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44,
  51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** IDCT basis: IDCT_BASIS[x*8+u] = C(u)/2 · cos((2x+1)uπ/16), C(0) = 1/√2, else 1 (T.81 A.3.3). */
const IDCT_BASIS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++) {
      const cu = u === 0 ? Math.SQRT1_2 : 1;
      t[x * 8 + u] = (cu / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return t;
})();

/** A Huffman table as code-length tables (T.81 F.2.2.3) plus an 8-bit fast lookup. */
interface HuffmanTable {
  maxCode: Int32Array; // per length 1..16, -1 when no code of that length
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
  /** fast[peek8] = (length << 8) | value for codes of ≤ 8 bits, 0 otherwise. */
  fast: Uint16Array;
}

/** Build a decoding table from the 16 code-length counts and the symbol values of a DHT segment. */
function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  const fast = new Uint16Array(256);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    valPtr[len] = k;
    minCode[len] = code;
    if (n > 0) {
      if (code + n > 1 << len) throw new JpegError('invalid Huffman table (too many codes)');
      for (let i = 0; i < n; i++) {
        if (len <= 8) {
          const shift = 8 - len;
          const base = (code + i) << shift;
          for (let j = 0; j < 1 << shift; j++) fast[base + j] = (len << 8) | values[k + i];
        }
      }
      code += n;
      k += n;
      maxCode[len] = code - 1;
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valPtr, minCode, values, fast };
}

/** Reads entropy-coded bits MSB first, removing stuffed 0x00 bytes and stopping at markers. */
class BitReader {
  private buf = 0;
  private cnt = 0;
  /** Zero bytes fed after the data ran out (or a marker was met): a measure of truncation. */
  overrun = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.cnt <= 24) {
      let byte = 0;
      const d = this.data;
      if (this.pos < d.length) {
        byte = d[this.pos];
        if (byte === 0xff) {
          const next = this.pos + 1 < d.length ? d[this.pos + 1] : -1;
          if (next === 0x00) this.pos += 2;
          else {
            byte = 0; // a marker: feed zeros, leave the marker for the caller
            this.overrun++;
          }
        } else this.pos++;
      } else this.overrun++;
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.cnt += 8;
    }
  }

  peek(n: number): number {
    if (this.cnt < n) this.fill();
    return (this.buf >>> (this.cnt - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.cnt -= n;
    this.buf = this.cnt === 0 ? 0 : this.buf & (2 ** this.cnt - 1);
  }

  bits(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  /** Drop buffered bits (at a restart marker). */
  reset(): void {
    this.buf = 0;
    this.cnt = 0;
    this.overrun = 0;
  }

  decode(t: HuffmanTable): number {
    const f = t.fast[this.peek(8)];
    if (f !== 0) {
      this.skip(f >> 8);
      return f & 0xff;
    }
    let code = this.bits(9);
    let len = 9;
    while (len <= 16 && code > t.maxCode[len]) {
      code = (code << 1) | this.bits(1);
      len++;
    }
    if (len > 16) throw new JpegError('corrupt entropy-coded data (no Huffman code matches)');
    return t.values[t.valPtr[len] + code - t.minCode[len]];
  }
}

/** T.81 F.2.2.1 EXTEND: turn `s` received bits into a signed value. */
function extend(v: number, s: number): number {
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

interface FrameComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per line / column covering the component, padded to whole MCUs. */
  bpl: number;
  bpc: number;
  /** Component size in samples (before upsampling). */
  width: number;
  height: number;
  coeffs: Int32Array;
  pred: number;
}

interface Frame {
  precision: number;
  width: number;
  height: number;
  hMax: number;
  vMax: number;
  mcusX: number;
  mcusY: number;
  components: FrameComponent[];
}

/** Read a big-endian 16-bit value, failing cleanly past the end of the data. */
function u16(d: Uint8Array, p: number): number {
  if (p + 2 > d.length) throw new JpegError('truncated JPEG header');
  return (d[p] << 8) | d[p + 1];
}

/** Parse SOF0/SOF1 and allocate coefficient storage. */
function parseFrame(d: Uint8Array, p: number, len: number, maxSamples: number): Frame {
  if (len < 8) throw new JpegError('short SOF segment');
  const precision = d[p];
  const height = u16(d, p + 1);
  const width = u16(d, p + 3);
  const n = d[p + 5];
  if (precision !== 8 && precision !== 12) throw new JpegError(`unsupported JPEG sample precision ${precision}`);
  if (height === 0) throw new JpegError('JPEG with a DNL-defined height is not supported');
  if (width === 0) throw new JpegError('JPEG frame width is 0');
  if (n < 1 || n > 4 || len < 6 + 3 * n) throw new JpegError(`invalid JPEG component count ${n}`);
  if (width * height * n > maxSamples) throw new JpegError(`JPEG frame ${width}×${height}×${n} is too large`);
  const comps: Array<{ id: number; h: number; v: number; tq: number }> = [];
  for (let i = 0; i < n; i++) {
    const q = p + 6 + 3 * i;
    const h = d[q + 1] >> 4;
    const v = d[q + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new JpegError('invalid JPEG sampling factors');
    comps.push({ id: d[q], h, v, tq: d[q + 2] & 3 });
  }
  const hMax = Math.max(...comps.map((c) => c.h));
  const vMax = Math.max(...comps.map((c) => c.v));
  const mcusX = Math.ceil(width / (8 * hMax));
  const mcusY = Math.ceil(height / (8 * vMax));
  let total = 0;
  const components = comps.map((c) => {
    const bpl = mcusX * c.h;
    const bpc = mcusY * c.v;
    total += bpl * bpc * 64;
    if (total > 4 * maxSamples) throw new JpegError('JPEG frame is too large');
    return {
      ...c,
      bpl,
      bpc,
      width: Math.ceil((width * c.h) / hMax),
      height: Math.ceil((height * c.v) / vMax),
      coeffs: new Int32Array(bpl * bpc * 64),
      pred: 0,
    };
  });
  return { precision, width, height, hMax, vMax, mcusX, mcusY, components };
}

/** Decode one 8×8 block's coefficients (in natural order, not yet dequantised) into `out`. */
function decodeBlock(r: BitReader, c: FrameComponent, dc: HuffmanTable, ac: HuffmanTable, out: Int32Array, at: number): void {
  const t = r.decode(dc);
  if (t > 16) throw new JpegError('corrupt DC coefficient');
  const diff = t === 0 ? 0 : extend(r.bits(t), t);
  c.pred += diff;
  out[at] = c.pred;
  for (let k = 1; k < 64;) {
    const rs = r.decode(ac);
    const run = rs >> 4;
    const s = rs & 15;
    if (s === 0) {
      if (run !== 15) break; // end of block
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) throw new JpegError('corrupt AC coefficients (run past the block)');
    out[at + ZIGZAG[k]] = extend(r.bits(s), s);
    k++;
  }
}

/** Find the next RSTn marker at or after `pos`; returns the position after it, or -1. */
function skipToRestart(d: Uint8Array, pos: number): number {
  for (let i = pos; i + 1 < d.length; i++) {
    if (d[i] === 0xff && d[i + 1] >= 0xd0 && d[i + 1] <= 0xd7) return i + 2;
    if (d[i] === 0xff && d[i + 1] !== 0 && d[i + 1] !== 0xff) return -1; // another marker: no restart here
  }
  return -1;
}

interface ScanContext {
  frame: Frame;
  dcTables: Array<HuffmanTable | undefined>;
  acTables: Array<HuffmanTable | undefined>;
  restartInterval: number;
}

/** Decode one scan (SOS header at `p`), returning the position after its entropy-coded data. */
function decodeScan(d: Uint8Array, p: number, len: number, ctx: ScanContext): number {
  const { frame } = ctx;
  const ns = d[p];
  if (ns < 1 || ns > 4 || len < 4 + 2 * ns) throw new JpegError('invalid SOS segment');
  const scomps: Array<{ c: FrameComponent; dc: HuffmanTable; ac: HuffmanTable }> = [];
  for (let i = 0; i < ns; i++) {
    const id = d[p + 1 + 2 * i];
    const tables = d[p + 2 + 2 * i];
    const c = frame.components.find((x) => x.id === id);
    if (!c) throw new JpegError(`scan refers to unknown component ${id}`);
    const dc = ctx.dcTables[tables >> 4];
    const ac = ctx.acTables[tables & 15];
    if (!dc || !ac) throw new JpegError('scan uses an undefined Huffman table');
    scomps.push({ c, dc, ac });
  }
  const ss = d[p + 1 + 2 * ns];
  const se = d[p + 2 + 2 * ns];
  if (ss !== 0 || se !== 63) throw new JpegError('progressive JPEG scans are not supported');
  for (const s of scomps) s.c.pred = 0;
  const r = new BitReader(d, p + len);
  // Non-interleaved scan: one block per MCU, covering only the component's own blocks.
  const single = ns === 1;
  const c0 = scomps[0].c;
  const blocksX = single ? Math.ceil(c0.width / 8) : frame.mcusX;
  const blocksY = single ? Math.ceil(c0.height / 8) : frame.mcusY;
  const total = blocksX * blocksY;
  const ri = ctx.restartInterval;
  for (let m = 0; m < total; m++) {
    if (ri > 0 && m > 0 && m % ri === 0) {
      r.reset();
      const next = skipToRestart(d, r.pos);
      if (next < 0) throw new JpegError('missing restart marker (truncated or corrupt JPEG)');
      r.pos = next;
      for (const s of scomps) s.c.pred = 0;
    }
    const mx = m % blocksX;
    const my = (m / blocksX) | 0;
    if (single) {
      decodeBlock(r, c0, scomps[0].dc, scomps[0].ac, c0.coeffs, (my * c0.bpl + mx) * 64);
    } else {
      for (const s of scomps) {
        const c = s.c;
        for (let v = 0; v < c.v; v++) {
          for (let h = 0; h < c.h; h++) {
            const by = my * c.v + v;
            const bx = mx * c.h + h;
            decodeBlock(r, c, s.dc, s.ac, c.coeffs, (by * c.bpl + bx) * 64);
          }
        }
      }
    }
    if (r.overrun > 8) throw new JpegError('JPEG data ended early (truncated file?)');
  }
  // Continue after the entropy-coded segment: the next marker that is not RSTn.
  let q = r.pos;
  while (q + 1 < d.length && !(d[q] === 0xff && d[q + 1] !== 0 && !(d[q + 1] >= 0xd0 && d[q + 1] <= 0xd7))) q++;
  return q;
}

/** Dequantise and inverse-DCT every block of a component into a plane of `width×height` samples. */
function componentPlane(c: FrameComponent, q: Uint16Array, precision: number): Uint16Array {
  const plane = new Uint16Array(c.width * c.height);
  const maxv = (1 << precision) - 1;
  const shift = 1 << (precision - 1);
  const blk = new Float64Array(64);
  const tmp = new Float64Array(64);
  // Quantisation table in natural order.
  const qn = new Float64Array(64);
  for (let k = 0; k < 64; k++) qn[ZIGZAG[k]] = q[k];
  const by1 = Math.ceil(c.height / 8);
  const bx1 = Math.ceil(c.width / 8);
  for (let by = 0; by < by1; by++) {
    for (let bx = 0; bx < bx1; bx++) {
      const at = (by * c.bpl + bx) * 64;
      for (let i = 0; i < 64; i++) blk[i] = c.coeffs[at + i] * qn[i];
      // Rows: tmp[v*8+x] = Σ_u basis[x,u]·F[v,u]; a row without AC terms is constant.
      for (let v = 0; v < 8; v++) {
        const r = v * 8;
        if (blk[r + 1] === 0 && blk[r + 2] === 0 && blk[r + 3] === 0 && blk[r + 4] === 0 && blk[r + 5] === 0 && blk[r + 6] === 0 && blk[r + 7] === 0) {
          tmp.fill(blk[r] * IDCT_BASIS[0], r, r + 8);
          continue;
        }
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let u = 0; u < 8; u++) s += IDCT_BASIS[x * 8 + u] * blk[v * 8 + u];
          tmp[v * 8 + x] = s;
        }
      }
      // Columns: f[y,x] = Σ_v basis[y,v]·tmp[v,x]
      for (let y = 0; y < 8; y++) {
        const py = by * 8 + y;
        if (py >= c.height) break;
        for (let x = 0; x < 8; x++) {
          const px = bx * 8 + x;
          if (px >= c.width) break;
          let s = 0;
          for (let v = 0; v < 8; v++) s += IDCT_BASIS[y * 8 + v] * tmp[v * 8 + x];
          const val = Math.round(s + shift);
          plane[py * c.width + px] = val < 0 ? 0 : val > maxv ? maxv : val;
        }
      }
    }
  }
  return plane;
}

/** Upsample the component planes to full size, interleave them and convert YCbCr to RGB if asked. */
function assemble(frame: Frame, planes: Uint16Array[], ycc: boolean): Uint16Array {
  const { width, height, components } = frame;
  const n = components.length;
  const out = new Uint16Array(width * height * n);
  for (let ci = 0; ci < n; ci++) {
    const c = components[ci];
    const plane = planes[ci];
    for (let y = 0; y < height; y++) {
      const sy = Math.min(c.height - 1, Math.floor((y * c.v) / frame.vMax));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(c.width - 1, Math.floor((x * c.h) / frame.hMax));
        out[(y * width + x) * n + ci] = plane[sy * c.width + sx];
      }
    }
  }
  if (ycc && n === 3) {
    const maxv = (1 << frame.precision) - 1;
    const mid = 1 << (frame.precision - 1);
    const clamp = (v: number): number => (v < 0 ? 0 : v > maxv ? maxv : Math.round(v));
    for (let i = 0; i < out.length; i += 3) {
      const Y = out[i];
      const cb = out[i + 1] - mid;
      const cr = out[i + 2] - mid;
      out[i] = clamp(Y + 1.402 * cr);
      out[i + 1] = clamp(Y - 0.344136 * cb - 0.714136 * cr);
      out[i + 2] = clamp(Y + 1.772 * cb);
    }
  }
  return out;
}

/** Read the frame header (SOFn) without decoding: size, precision and the coding process. */
export function readJpegHeader(d: Uint8Array): { sof: number; precision: number; width: number; height: number; components: number } | undefined {
  if (d.length < 4 || d[0] !== 0xff || d[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= d.length) {
    if (d[p] !== 0xff) return undefined;
    const m = d[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    const len = (d[p + 2] << 8) | d[p + 3];
    const isSof = (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;
    if (isSof) {
      if (p + 10 > d.length) return undefined;
      return { sof: m, precision: d[p + 4], height: (d[p + 5] << 8) | d[p + 6], width: (d[p + 7] << 8) | d[p + 8], components: d[p + 9] };
    }
    if (m === 0xda || m === 0xd9 || len < 2) return undefined;
    p += 2 + len;
  }
  return undefined;
}

/**
 * Decode a sequential Huffman DCT JPEG (baseline or extended, 8- or 12-bit) into interleaved
 * samples. Throws `JpegError` with a one-line reason on anything it cannot decode.
 */
export function decodeJpeg(d: Uint8Array, opts: JpegDecodeOptions = {}): JpegImage {
  const maxSamples = opts.maxSamples ?? 2 ** 28;
  if (d.length < 4 || d[0] !== 0xff || d[1] !== 0xd8) throw new JpegError('not a JPEG stream (no SOI marker)');
  const qt: Array<Uint16Array | undefined> = [];
  const ctx: ScanContext = { frame: undefined as unknown as Frame, dcTables: [], acTables: [], restartInterval: 0 };
  let frame: Frame | undefined;
  let adobeTransform: number | undefined;
  let jfif = false;
  let scans = 0;
  let p = 2;
  while (p < d.length) {
    if (d[p] !== 0xff) {
      p++; // tolerate garbage between segments
      continue;
    }
    if (p + 1 >= d.length) break;
    const m = d[p + 1];
    if (m === 0xff || m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += m === 0xff ? 1 : 2;
      continue;
    }
    if (m === 0xd9) break; // EOI
    const len = u16(d, p + 2);
    const s = p + 4; // segment payload
    if (len < 2 || p + 2 + len > d.length) throw new JpegError('truncated JPEG segment');
    const end = p + 2 + len;
    switch (m) {
      case 0xdb: {
        // DQT: one or more tables
        let q = s;
        while (q < end) {
          const pq = d[q] >> 4;
          const tq = d[q] & 15;
          if (tq > 3) throw new JpegError('invalid quantisation table id');
          const size = pq ? 128 : 64;
          if (q + 1 + size > end) throw new JpegError('truncated quantisation table');
          const t = new Uint16Array(64);
          for (let k = 0; k < 64; k++) t[k] = pq ? (d[q + 1 + 2 * k] << 8) | d[q + 2 + 2 * k] : d[q + 1 + k];
          qt[tq] = t;
          q += 1 + size;
        }
        break;
      }
      case 0xc4: {
        // DHT: one or more tables
        let q = s;
        while (q < end) {
          const tc = d[q] >> 4;
          const th = d[q] & 15;
          if (tc > 1 || th > 3) throw new JpegError('invalid Huffman table id');
          if (q + 17 > end) throw new JpegError('truncated Huffman table');
          const counts = d.subarray(q + 1, q + 17);
          let total = 0;
          for (let i = 0; i < 16; i++) total += counts[i];
          if (total > 256 || q + 17 + total > end) throw new JpegError('invalid Huffman table');
          const table = buildHuffman(counts, d.subarray(q + 17, q + 17 + total));
          (tc === 0 ? ctx.dcTables : ctx.acTables)[th] = table;
          q += 17 + total;
        }
        break;
      }
      case 0xc0:
      case 0xc1:
        if (frame) throw new JpegError('more than one frame header');
        frame = parseFrame(d, s, len - 2, maxSamples);
        ctx.frame = frame;
        break;
      case 0xc2:
      case 0xc6:
      case 0xca:
      case 0xce:
        throw new JpegError('progressive JPEG is not supported');
      case 0xc3:
      case 0xc7:
      case 0xcb:
      case 0xcf:
        throw new JpegError('lossless JPEG needs the lossless decoder');
      case 0xc5:
      case 0xc9:
      case 0xcd:
        throw new JpegError('hierarchical or arithmetic-coded JPEG is not supported');
      case 0xdd:
        ctx.restartInterval = u16(d, s);
        break;
      case 0xe0:
        if (len >= 7 && d[s] === 0x4a && d[s + 1] === 0x46 && d[s + 2] === 0x49 && d[s + 3] === 0x46) jfif = true;
        break;
      case 0xee:
        if (len >= 14 && d[s] === 0x41 && d[s + 1] === 0x64 && d[s + 2] === 0x6f && d[s + 3] === 0x62 && d[s + 4] === 0x65) adobeTransform = d[s + 11];
        break;
      case 0xda: {
        if (!frame) throw new JpegError('scan before frame header');
        p = decodeScan(d, s, len - 2, ctx);
        scans++;
        continue;
      }
      default:
        break; // APPn, COM, DNL…: skipped
    }
    p = end;
  }
  if (!frame || scans === 0) throw new JpegError('JPEG stream has no image data');
  const f = frame;
  const planes = f.components.map((c) => {
    const q = qt[c.tq];
    if (!q) throw new JpegError('undefined quantisation table');
    return componentPlane(c, q, f.precision);
  });
  let ycc: boolean;
  if (opts.colorTransform !== undefined) ycc = opts.colorTransform;
  else if (adobeTransform !== undefined) ycc = adobeTransform !== 0;
  else if (jfif) ycc = true;
  else {
    const ids = f.components.map((c) => c.id);
    ycc = !(ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42); // 'R','G','B' ids mean RGB
  }
  return { width: f.width, height: f.height, components: f.components.length, precision: f.precision, data: assemble(f, planes, ycc) };
}
