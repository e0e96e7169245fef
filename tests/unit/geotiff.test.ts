import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { fromFile, type GeoTIFFImage } from 'geotiff';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { decodePng } from '../../main/data/png';
import {
  decodeTiff,
  encodeGeoTiff,
  geotiffReader,
  listTiff,
  readOverview,
  readTiffFile,
  writeGeoTiff,
  type GeoKeysRecord,
  type GeoTiffWriteOptions,
} from '../../main/data/geotiff';
import { memorySource, parseTiffStructure, readNumbers, tagAscii, tagNumbers } from '../../main/data/geotiff/structure';
import { encodeGeoKeys } from '../../main/data/geotiff/geokeys';
import { floatingPointDifference } from '../../main/data/geotiff/predictor';
import { Tag } from '../../main/data/geotiff/tags';

const dir = mkdtempSync(join(tmpdir(), 'inr-geotiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const L7 = sample('geotiff', 'L7_ETMs.tif');
const ELEV = sample('geotiff', 'elev.tif');
const OLINDA = sample('geotiff', 'olinda_dem_float32_deflate_pred3_nodata.tif');

function geoKeys(f: Field): GeoKeysRecord {
  return f.geometry.crs?.geoKeys as unknown as GeoKeysRecord;
}

function bandMeans(f: Field): number[] {
  const C = f.channels.length;
  const sums = new Array<number>(C).fill(0);
  for (let i = 0; i < f.values.length; i++) sums[i % C] += f.values[i];
  return sums.map((s) => s / (f.values.length / C));
}

/** Values equal sample by sample (NaN equals NaN), masks equal. */
function expectSameRaster(a: Field, b: Field): void {
  expect(b.shape).toEqual(a.shape);
  expect(b.channels).toEqual(a.channels);
  expect(b.dtype).toBe(a.dtype);
  let differ = 0;
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i];
    const y = b.values[i];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) differ++;
  }
  expect(differ).toBe(0);
  expect(b.mask ? Array.from(b.mask) : undefined).toEqual(a.mask ? Array.from(a.mask) : undefined);
}

/** Open `path` with geotiff.js's own parser, run `fn` on its first image, then close the file. */
async function withGeotiffJs<T>(path: string, fn: (img: GeoTIFFImage) => T | Promise<T>): Promise<T> {
  const t = await fromFile(path);
  try {
    return await fn(await t.getImage());
  } finally {
    await t.close();
  }
}

function structureOf(path: string) {
  return parseTiffStructure(memorySource(readFileSync(path)), path);
}

async function expectInrError(p: Promise<unknown>, code: string): Promise<InrError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InrError);
  expect((err as InrError).code).toBe(code);
  return err as InrError;
}

describe('GeoTIFF reader on the shared samples', () => {
  it('reads L7_ETMs.tif: 6 bands, 349 × 352 uint8, EPSG:31985, values as an independent zlib+numpy decode', async () => {
    const f = await readTiffFile(L7);
    expect(f.axes).toEqual(['y', 'x']);
    expect(f.shape).toEqual([352, 349]);
    expect(f.channels).toEqual(['band1', 'band2', 'band3', 'band4', 'band5', 'band6']);
    expect(f.dtype).toBe('uint8');
    expect(f.provenance.format).toBe('geotiff');
    expect(f.mask).toBeUndefined();
    expect(f.geometry.crs?.epsg).toBe(31985);
    expect(geoKeys(f).keys.ProjectedCSTypeGeoKey).toBe(31985);
    const gt = f.geometry.geoTransform as number[];
    expect(gt[0]).toBeCloseTo(288776.25, 3);
    expect(gt[1]).toBeCloseTo(28.5, 6);
    expect(gt[3]).toBeCloseTo(9120760.75, 3);
    expect(gt[5]).toBeCloseTo(-28.5, 6);
    expect([gt[2], gt[4]]).toEqual([0, 0]);
    expect(f.geometry.spacing).toEqual([gt[5], gt[1]]);
    // Oracle: strips inflated with Python's zlib and averaged with numpy.
    const means = [79.14771913258662, 67.57464508986715, 64.35885810106798, 59.23541286793436, 83.182664756447, 59.975205131544676];
    bandMeans(f).forEach((m, c) => expect(m).toBeCloseTo(means[c], 9));
    const px = (100 * 349 + 200) * 6;
    expect(Array.from(f.values.subarray(px, px + 6))).toEqual([94, 87, 103, 66, 152, 133]);
  });

  it('lists bands and the 4 internal overviews of L7 and reads one as a preview', async () => {
    expect(await geotiffReader.list?.(L7, {})).toEqual({ bands: ['band1', 'band2', 'band3', 'band4', 'band5', 'band6'] });
    const listing = await listTiff(L7);
    expect(listing.overviews).toEqual([
      [175, 176],
      [88, 88],
      [44, 44],
      [22, 22],
    ]);
    const ov = await readOverview(L7, { maxSize: 80 });
    expect(ov.shape).toEqual([88, 88]);
    expect(ov.channels).toHaveLength(6);
    const gt = ov.geometry.geoTransform as number[];
    expect(gt[1]).toBeCloseTo((28.5 * 349) / 88, 6);
    expect(gt[5]).toBeCloseTo((-28.5 * 352) / 88, 6);
  });

  it('reads elev.tif: Int16, nodata −32768 becomes the mask, band named from GDAL metadata, EPSG:4326', async () => {
    const f = await readTiffFile(ELEV);
    expect(f.shape).toEqual([90, 95]);
    expect(f.dtype).toBe('int16');
    expect(f.channels).toEqual(['elevation']);
    expect(f.geometry.crs?.epsg).toBe(4326);
    expect(f.provenance.meta?.nodata).toBe(-32768);
    const mask = f.mask as Uint8Array;
    expect(mask).toBeDefined();
    let masked = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) {
        masked++;
        expect(f.values[i]).toBe(-32768);
      } else {
        lo = Math.min(lo, f.values[i]);
        hi = Math.max(hi, f.values[i]);
      }
    }
    expect(masked).toBeGreaterThan(0);
    expect(masked).toBeLessThan(mask.length);
    // Oracles: STATISTICS_MINIMUM / MAXIMUM that GDAL computed and stored in the file, and an
    // independent Python LZW decode (4608 valid pixels).
    expect([lo, hi]).toEqual([141, 547]);
    expect(mask.length - masked).toBe(4608);
  });

  it('reads olinda: float32, Deflate + floating-point predictor, nodata −9999, user-defined CRS', async () => {
    const f = await readTiffFile(OLINDA);
    expect(f.shape).toEqual([111, 111]);
    expect(f.dtype).toBe('float32');
    expect(f.provenance.meta).toMatchObject({ predictor: 3, compression: 8, nodata: -9999 });
    expect(f.geometry.crs?.epsg).toBeUndefined();
    const keys = geoKeys(f).keys;
    expect(keys.ProjectedCSTypeGeoKey).toBe(32767);
    expect(keys.GeographicTypeGeoKey).toBe(32767);
    expect(keys.GeogSemiMajorAxisGeoKey).toBe(6378137);
    expect(keys.GeogInvFlatteningGeoKey).toBe(298.257222101);
    expect(f.geometry.crs?.description).toContain('UTM Zone 25, Southern Hemisphere');
    // Oracle: strips inflated and un-predicted with Python/numpy.
    expect(bandMeans(f)[0]).toBeCloseTo(21.665205, 5);
    expect(f.values[50 * 111 + 60]).toBe(37);
    expect(Math.min(...f.values)).toBe(-1);
    expect(Math.max(...f.values)).toBe(88);
  });

  it('sniffs TIFF and BigTIFF by signature only', () => {
    expect(geotiffReader.sniff(readFileSync(L7).subarray(0, 1024), 'x.bin')).toBe(true);
    expect(geotiffReader.sniff(new Uint8Array([0x4d, 0x4d, 0, 43, 0, 8, 0, 0]), 'x')).toBe(true);
    expect(geotiffReader.sniff(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'x.tif')).toBe(false);
  });
});

describe('GeoTIFF writer', () => {
  const layouts: Array<[string, GeoTiffWriteOptions]> = [
    ['stripped deflate', {}],
    ['tiled deflate + predictor', { tiled: true, tileSize: 128, predictor: true }],
    ['BigTIFF tiled', { bigTiff: true, tiled: true, tileSize: 64 }],
    ['uncompressed', { compression: 'none', predictor: false }],
  ];
  for (const file of [L7, ELEV, OLINDA]) {
    for (const [label, opts] of layouts) {
      it(`round-trips ${file.split('/').pop()} (${label}): values, mask, geotransform, GeoKeys, nodata`, async () => {
        const a = await readTiffFile(file);
        const out = join(dir, `rt-${label.replace(/\W+/g, '_')}-${file.split('/').pop()}`);
        writeGeoTiff(out, a, opts);
        const b = await readTiffFile(out);
        expectSameRaster(a, b);
        expect(b.geometry.geoTransform).toEqual(a.geometry.geoTransform);
        expect(b.geometry.crs).toEqual(a.geometry.crs);
        expect(b.provenance.meta?.nodata).toEqual(a.provenance.meta?.nodata);
        expect(b.provenance.meta?.bigTiff).toBe(!!opts.bigTiff);
        expect(b.provenance.meta?.tiled).toBe(!!opts.tiled);
        // A second, independent parser (geotiff.js) sees the same GeoKeys and nodata.
        const seen = (img: GeoTIFFImage) => ({ keys: img.getGeoKeys(), nodata: img.getGDALNoData() });
        expect(await withGeotiffJs(out, seen)).toEqual(await withGeotiffJs(file, seen));
      });
    }
  }

  it('keeps the source predictor by default: olinda comes back with predictor 3', async () => {
    const a = await readTiffFile(OLINDA);
    const out = join(dir, 'olinda-default.tif');
    writeGeoTiff(out, a);
    const b = await readTiffFile(out);
    expect(b.provenance.meta).toMatchObject({ predictor: 3, compression: 8 });
    expect(geoKeys(b)).toEqual(geoKeys(a));
  });

  it('encodes predictor 3 byte for byte as GDAL did (olinda strip 0)', async () => {
    const s = structureOf(OLINDA);
    const ifd = s.ifds[0];
    const offsets = tagNumbers(s, ifd, Tag.StripOffsets) as number[];
    const counts = tagNumbers(s, ifd, Tag.StripByteCounts) as number[];
    const rows = (tagNumbers(s, ifd, Tag.RowsPerStrip) as number[])[0];
    const gdal = inflateSync(readFileSync(OLINDA).subarray(offsets[0], offsets[0] + counts[0]));
    const f = await readTiffFile(OLINDA);
    const mine = new Uint8Array(new Float32Array(f.values.subarray(0, rows * 111)).buffer);
    floatingPointDifference(mine, 4, 111, rows, 1);
    expect(Buffer.from(mine).equals(gdal)).toBe(true);
  });

  it('writes GDAL_NODATA and nodata samples for a masked field (olinda, −9999)', async () => {
    const a = await readTiffFile(OLINDA);
    const mask = new Uint8Array(111 * 111).fill(1);
    for (let i = 0; i < mask.length; i += 7) mask[i] = 0;
    const out = join(dir, 'olinda-masked.tif');
    writeGeoTiff(out, { ...a, mask }, { predictor: 3 });
    const raw = await withGeotiffJs(out, (img) => img.readRasters({ interleave: true }));
    expect(raw[7]).toBe(-9999);
    const b = await readTiffFile(out);
    expect(Array.from(b.mask as Uint8Array)).toEqual(Array.from(mask));
    expect(tagAscii(structureOf(out), structureOf(out).ifds[0], Tag.GdalNoData)).toBe('-9999');
  });

  it('never stamps a CRS: a field without one gets no GeoKeys and reads back as a plain TIFF', async () => {
    const png = decodePng(readFileSync(sample('images', 'astronaut.png')), 'astronaut.png');
    const out = join(dir, 'astronaut.tif');
    writeGeoTiff(out, png, { predictor: true });
    const s = structureOf(out);
    for (const tag of [Tag.GeoKeyDirectory, Tag.ModelPixelScale, Tag.ModelTiepoint, Tag.ModelTransformation, Tag.GdalNoData]) {
      expect(s.ifds[0].entries.has(tag)).toBe(false);
    }
    expect(await withGeotiffJs(out, (img) => img.getGeoKeys())).toBeNull();
    const b = await geotiffReader.read(out, {});
    expect(b.provenance.format).toBe('tiff');
    expect(b.provenance.meta?.photometric).toBe(2);
    expectSameRaster(png, b);
  });

  it("turns an RGB image's alpha extra sample into the mask", async () => {
    const png = decodePng(readFileSync(sample('images', 'phantom.png')), 'phantom.png');
    const n = png.shape[0] * png.shape[1];
    const values = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      values.set(png.values.subarray(i * 3, i * 3 + 3), i * 4);
      values[i * 4 + 3] = i % 5 === 0 ? 0 : 255;
    }
    const bytes = encodeGeoTiff({ ...png, channels: ['R', 'G', 'B', 'A'], values });
    // ExtraSamples 0 (unspecified) → 2 (unassociated alpha), TIFF 6.0 §18.
    const s = parseTiffStructure(memorySource(bytes));
    new DataView(bytes.buffer, bytes.byteOffset).setUint16(s.ifds[0].entries.get(Tag.ExtraSamples)!.valueOffset, 2, true);
    const f = await decodeTiff({ path: 'rgba.tif', bytes });
    expect(f.channels).toEqual(['R', 'G', 'B']);
    expect(Array.from(f.values.subarray(0, 6))).toEqual(Array.from(png.values.subarray(0, 6)));
    expect(Array.from((f.mask as Uint8Array).subarray(0, 6))).toEqual([0, 1, 1, 1, 1, 0]);
  });

  it('reads a gray plain TIFF as one `gray` channel', async () => {
    const png = decodePng(readFileSync(sample('images', 'camera.png')), 'camera.png');
    const out = join(dir, 'camera.tif');
    writeGeoTiff(out, png);
    const b = await readTiffFile(out);
    expect(b.channels).toEqual(['gray']);
    expect(b.provenance.format).toBe('tiff');
    expectSameRaster(png, b);
  });

  it('writes GeoKeys from a bare EPSG code, and a rotated grid as ModelTransformation', async () => {
    const values = Float32Array.from({ length: 20 * 30 }, (_, i) => Math.sin(i / 7) * 100);
    const gt = [500000, 10, 2, 4000000, 1.5, -10];
    const f = createField({
      axes: ['y', 'x'],
      shape: [20, 30],
      channels: ['temperature'],
      values,
      dtype: 'float32',
      geometry: { geoTransform: gt, crs: { epsg: 32633 } },
      provenance: { format: 'test', path: 'mem' },
    });
    const out = join(dir, 'rotated.tif');
    writeGeoTiff(out, f);
    const s = structureOf(out);
    expect(s.ifds[0].entries.has(Tag.ModelTransformation)).toBe(true);
    expect(s.ifds[0].entries.has(Tag.ModelPixelScale)).toBe(false);
    const b = await readTiffFile(out);
    expect(b.geometry.geoTransform).toEqual(gt);
    expect(b.geometry.crs?.epsg).toBe(32633);
    expect(geoKeys(b).keys).toMatchObject({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633 });
    expect(b.channels).toEqual(['temperature']);
    expectSameRaster(f, b);
  });

  it('shifts the tiepoint half a pixel for PixelIsPoint and reads back the same corner geotransform', async () => {
    const keys = { GTModelTypeGeoKey: 2, GTRasterTypeGeoKey: 2, GeographicTypeGeoKey: 4326 };
    const rec = { ...encodeGeoKeys(keys), keys };
    const gt = [10, 0.5, 0, 50, 0, -0.25];
    const f = createField({
      axes: ['y', 'x'],
      shape: [4, 6],
      channels: ['band1'],
      values: new Float32Array(24).fill(3),
      dtype: 'int16',
      geometry: { geoTransform: gt, crs: { epsg: 4326, geoKeys: rec as unknown as Record<string, unknown> } },
      provenance: { format: 'test', path: 'mem' },
    });
    const out = join(dir, 'point.tif');
    writeGeoTiff(out, f);
    const s = structureOf(out);
    expect(tagNumbers(s, s.ifds[0], Tag.ModelTiepoint)).toEqual([0, 0, 0, 10.25, 49.875, 0]);
    const b = await readTiffFile(out);
    expect(b.geometry.geoTransform).toEqual(gt);
    expect(b.provenance.meta?.pixelIsPoint).toBe(true);
  });

  it('packs values with the source scale/offset and applies them on reading', async () => {
    const values = Float32Array.from({ length: 50 }, (_, i) => -5 + 0.01 * (i * 37 - 400));
    const f = createField({
      axes: ['y', 'x'],
      shape: [5, 10],
      channels: ['sst'],
      values,
      dtype: 'int16',
      provenance: { format: 'geotiff', path: 'mem', meta: { scales: [0.01], offsets: [-5] } },
    });
    const out = join(dir, 'scaled.tif');
    writeGeoTiff(out, f);
    const raw = await withGeotiffJs(out, (img) => img.readRasters({ interleave: true }));
    expect(raw[1]).toBe(37 - 400);
    const b = await readTiffFile(out);
    expect(b.provenance.meta).toMatchObject({ scales: [0.01], offsets: [-5] });
    for (let i = 0; i < 50; i++) expect(b.values[i]).toBeCloseTo(values[i], 4);
  });

  it('writes internal overviews in COG order (IFDs first) and reads them back', async () => {
    const a = await readTiffFile(L7);
    const out = join(dir, 'cog.tif');
    writeGeoTiff(out, a, { tiled: true, tileSize: 128, overviews: true, predictor: true });
    const s = structureOf(out);
    const firstBlock = Math.min(...readNumbers(s, s.ifds[0].entries.get(Tag.TileOffsets)!));
    expect(Math.max(...s.ifds.map((i) => i.offset))).toBeLessThan(firstBlock);
    expect((await listTiff(out)).overviews).toEqual([
      [175, 176],
      [88, 88],
    ]);
    const ov = await readOverview(out, { maxSize: 100 });
    expect(ov.shape).toEqual([176, 175]);
    expectSameRaster(a, await readTiffFile(out));
  });

  it('refuses what GeoTIFF cannot hold, with typed errors', async () => {
    const a = await readTiffFile(L7);
    const cube = { ...a, axes: ['t', 'y', 'x'], shape: [1, 352, 349] };
    expect(() => encodeGeoTiff(cube)).toThrow(InrError);
    const wkt = { ...a, geometry: { ...a.geometry, crs: { wkt: 'PROJCS["x"]' } } };
    expect(() => encodeGeoTiff(wkt)).toThrow(/neither GeoKeys nor an EPSG/);
    const dropped = await decodeTiff({ path: 'mem.tif', bytes: encodeGeoTiff(wkt, { dropCrs: true }) });
    expect(dropped.geometry.crs).toBeUndefined();
    expect(() => encodeGeoTiff(a, { dtype: 'uint8', nodata: -9999 })).toThrow(/nodata/);
    expect(() => encodeGeoTiff(a, { compression: 'none', predictor: 2 })).toThrow(/predictor/);
  });
});

describe('GeoTIFF reader guards', () => {
  /** elev.tif with ImageWidth/ImageLength patched in place. */
  function patchedSize(width: number, height: number): Uint8Array {
    const bytes = new Uint8Array(readFileSync(ELEV));
    const s = parseTiffStructure(memorySource(bytes));
    const view = new DataView(bytes.buffer);
    for (const [tag, v] of [
      [Tag.ImageWidth, width],
      [Tag.ImageLength, height],
    ] as const) {
      const e = s.ifds[0].entries.get(tag)!;
      if (e.type === 3) view.setUint16(e.valueOffset, v, true);
      else view.setUint32(e.valueOffset, v, true);
    }
    return bytes;
  }

  it('rejects absurd dimensions with E_TOO_LARGE before decoding', async () => {
    await expectInrError(decodeTiff({ path: 'huge.tif', bytes: patchedSize(65000, 65000) }), 'E_TOO_LARGE');
  });

  it('reports a truncated file as E_CORRUPT naming the missing strip', async () => {
    const bytes = readFileSync(ELEV).subarray(0, 5000);
    const err = await expectInrError(decodeTiff({ path: 'cut.tif', bytes }), 'E_CORRUPT');
    expect(err.message).toMatch(/truncated/);
    expect(err.path).toBe('cut.tif');
  });

  it('reports an IFD loop and a bad signature', async () => {
    const bytes = new Uint8Array(readFileSync(ELEV));
    const s = parseTiffStructure(memorySource(bytes));
    const ifd = s.ifds[0];
    new DataView(bytes.buffer).setUint32(ifd.offset + 2 + 12 * ifd.entries.size, ifd.offset, true);
    await expectInrError(decodeTiff({ path: 'loop.tif', bytes }), 'E_CORRUPT');
    await expectInrError(decodeTiff({ path: 'x.tif', bytes: new Uint8Array(64) }), 'E_FORMAT');
  });

  it('reads from disk and from memory alike', async () => {
    const onDisk = await readTiffFile(ELEV);
    const inMemory = await decodeTiff({ path: ELEV, bytes: readFileSync(ELEV) });
    expectSameRaster(onDisk, inMemory);
    writeFileSync(join(dir, 'copy.tif'), readFileSync(ELEV));
    expectSameRaster(onDisk, await geotiffReader.read(join(dir, 'copy.tif'), {}));
  });
});

describe('missing files', () => {
  it('is E_NOT_FOUND for every reader entry point', async () => {
    const nowhere = join(dir, 'does-not-exist.tif');
    await expectInrError(readTiffFile(nowhere), 'E_NOT_FOUND');
    await expectInrError(listTiff(nowhere), 'E_NOT_FOUND');
    await expectInrError(readOverview(nowhere), 'E_NOT_FOUND');
  });
});
