/** `inr-studio info`: describe a file or folder. */
import { resolve } from 'node:path';
import { demoDatasetPath } from '../core/paths';
import { describeDataset, type DatasetSummary } from '../data/index';
import { fmt, parse, parseIndex, UsageError } from './args';

function summaryText(s: DatasetSummary): string {
  const lines = [`${s.name}`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(10)} ${v}`);
  row('format', s.formatLabel);
  row('shape', `${s.shape.join(' × ')} (${s.axes.join(', ')})`);
  row('channels', `${s.channels.length} (${s.channels.slice(0, 8).join(', ')}${s.channels.length > 8 ? ', …' : ''})`);
  row('dtype', s.dtype);
  row('spacing', s.spacing.map(fmt).join(', ') + (s.units ? `   units: ${s.units}` : ''));
  if (s.crs) row('crs', s.crs.epsg ? `EPSG:${s.crs.epsg}` : (s.crs.description ?? 'user-defined'));
  for (const c of s.stats.channels.slice(0, 8)) row(c === s.stats.channels[0] ? 'range' : '', `${c.name}: ${fmt(c.min)} … ${fmt(c.max)} (mean ${fmt(c.mean)})`);
  row('masked', `${(100 * s.stats.maskedFraction).toFixed(2)} %` + (s.stats.nonFinite ? `, ${s.stats.nonFinite} non-finite values` : ''));
  if (s.listing?.series?.length) {
    lines.push(`  series (${s.listing.series.length}):`);
    for (const se of s.listing.series) lines.push(`    ${se.uid}  ${se.modality}  ${se.slices} × ${se.rows}×${se.columns}  ${se.patient} / ${se.study} / ${se.description}`);
  }
  if (s.listing?.variables?.length) {
    lines.push(`  variables (${s.listing.variables.length}):`);
    for (const v of s.listing.variables)
      lines.push(`    ${v.name}(${v.dimensions.join(', ')}) ${v.shape.join('×')}${v.units ? ` [${v.units}]` : ''}${v.longName ? `  ${v.longName}` : ''}`);
  }
  if (s.listing?.bands?.length) row('bands', s.listing.bands.join(', '));
  return lines.join('\n');
}

export async function info(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' },
    series: { type: 'string' },
    var: { type: 'string' },
    index: { type: 'string' },
  });
  if (positionals.length > 1) throw new UsageError('info takes one path');
  const path = positionals[0] ? resolve(positionals[0]) : demoDatasetPath();
  const { summary } = await describeDataset(path, { series: values.series, variable: values.var, index: parseIndex(values.index) });
  if (values.json) {
    const s = summary;
    console.log(
      JSON.stringify({
        path: s.path,
        format: s.format,
        formatLabel: s.formatLabel,
        shape: s.shape,
        axes: s.axes,
        channels: s.channels,
        dtype: s.dtype,
        spacing: s.spacing,
        origin: s.origin,
        crs: s.crs,
        units: s.units,
        range: s.stats.channels.map((c) => [c.min, c.max]),
        maskedFraction: s.stats.maskedFraction,
        stats: s.stats,
        listing: s.listing,
      }),
    );
  } else console.log(summaryText(summary));
}
