/**
 * CF time coordinates → ISO 8601 strings. CF Conventions 1.11 §4.4 "Time Coordinate": units are
 * "<unit> since <reference date-time>" in UDUNITS syntax, and §4.4.1 "Calendar":
 *
 * - `standard` / `gregorian` (the default): the mixed calendar, Julian before 1582-10-15 and
 *   Gregorian from then on. Dates before the switch are printed in the Julian calendar, as
 *   cftime and ncdump do.
 * - `proleptic_gregorian`: Gregorian throughout, like JavaScript `Date`.
 * - `noleap`/`365_day`, `all_leap`/`366_day`, `360_day`, `julian`, `none`: not converted. Their
 *   dates (30 February…) are not ISO dates; the numeric values stay in the coordinates and a note
 *   says why there are no ISO strings.
 *
 * `months` and `years` are not converted either: UDUNITS defines them as fractions of a tropical
 * year, which CF §4.4 advises against for this reason.
 *
 * Day numbers use the Julian Day Number formulas of the Explanatory Supplement to the
 * Astronomical Almanac (Fliegel & Van Flandern), valid for every year after −4713.
 */

const MS_PER_DAY = 86_400_000;
/** Julian Day Number of 1970-01-01 (Gregorian). */
const JDN_UNIX_EPOCH = 2_440_588;
/** Julian Day Number of 1582-10-15, the first Gregorian day of the mixed calendar. */
const JDN_GREGORIAN_START = 2_299_161;

/** Length of one unit in milliseconds (UDUNITS names, singular, plural and abbreviations). */
const UNIT_MS: Record<string, number> = {};
for (const [names, ms] of [
  [['microseconds', 'microsecond', 'microsec', 'microsecs', 'us'], 0.001],
  [['milliseconds', 'millisecond', 'millisec', 'millisecs', 'msec', 'msecs', 'ms'], 1],
  [['seconds', 'second', 'secs', 'sec', 's'], 1000],
  [['minutes', 'minute', 'mins', 'min'], 60_000],
  [['hours', 'hour', 'hrs', 'hr', 'h'], 3_600_000],
  [['days', 'day', 'd'], MS_PER_DAY],
  [['weeks', 'week'], 7 * MS_PER_DAY],
] as Array<[string[], number]>) {
  for (const n of names) UNIT_MS[n] = ms;
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
  /** Milliseconds since midnight, UTC (time zone already removed). */
  msOfDay: number;
}

export interface TimeUnits {
  unitMs: number;
  reference: DateParts;
}

/** True for CF time units: "<unit> since <date>". */
export function isTimeUnits(units: string | undefined): boolean {
  return typeof units === 'string' && /^\s*\S+\s+since\s+/i.test(units);
}

const REFERENCE_RE = /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;

/** Parse "<unit> since <date>"; a string explains why when it cannot. */
export function parseTimeUnits(units: string): TimeUnits | string {
  const m = /^\s*(\S+)\s+since\s+(.+?)\s*$/i.exec(units);
  if (!m) return `"${units}" is not "<unit> since <date>"`;
  const unit = m[1].toLowerCase();
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) {
    return /^(months?|years?|yr|a|common_years?)$/.test(unit) ? `"${m[1]}" is a calendar-dependent unit (CF §4.4 advises against it)` : `unknown time unit "${m[1]}"`;
  }
  const r = REFERENCE_RE.exec(m[2]);
  if (!r) return `cannot read the reference date "${m[2]}"`;
  const [year, month, day] = [Number(r[1]), Number(r[2]), Number(r[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return `invalid reference date "${m[2]}"`;
  const hh = Number(r[4] ?? 0);
  const mm = Number(r[5] ?? 0);
  const ss = Number(r[6] ?? 0);
  let tzMinutes = 0;
  const tz = r[7];
  if (tz && /^[+-]/.test(tz)) {
    const t = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
    if (t) tzMinutes = (t[1] === '-' ? -1 : 1) * (Number(t[2]) * 60 + Number(t[3] ?? 0));
  }
  const msOfDay = Math.round(((hh * 60 + mm - tzMinutes) * 60 + ss) * 1000);
  return { unitMs, reference: { year, month, day, msOfDay } };
}

/** Julian Day Number of a Gregorian calendar date. */
export function jdnFromGregorian(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  return d + Math.floor((153 * mm + 2) / 5) + 365 * yy + Math.floor(yy / 4) - Math.floor(yy / 100) + Math.floor(yy / 400) - 32045;
}

/** Julian Day Number of a Julian calendar date. */
function jdnFromJulian(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  return d + Math.floor((153 * mm + 2) / 5) + 365 * yy + Math.floor(yy / 4) - 32083;
}

/** Calendar date of a Julian Day Number, in the Gregorian or the Julian calendar. */
export function dateFromJdn(jdn: number, gregorian: boolean): [number, number, number] {
  let b = 0;
  let c: number;
  if (gregorian) {
    const a = jdn + 32044;
    b = Math.floor((4 * a + 3) / 146097);
    c = a - Math.floor((146097 * b) / 4);
  } else {
    c = jdn + 32082;
  }
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  const day = e - Math.floor((153 * m + 2) / 5) + 1;
  const month = m + 3 - 12 * Math.floor(m / 10);
  const year = 100 * b + d - 4800 + Math.floor(m / 10);
  return [year, month, day];
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** ISO 8601 text of a date and a time of day (years outside 0–9999 in the expanded form). */
function formatIso(year: number, month: number, day: number, msOfDay: number): string {
  const y = year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
  const h = Math.floor(msOfDay / 3_600_000);
  const mi = Math.floor((msOfDay % 3_600_000) / 60_000);
  const s = Math.floor((msOfDay % 60_000) / 1000);
  const ms = msOfDay % 1000;
  return `${y}-${pad(month, 2)}-${pad(day, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${ms ? '.' + pad(ms, 3) : ''}Z`;
}

export interface DecodedTimes {
  /** One ISO string per value ('' for a value that is not a finite date); absent when not converted. */
  iso?: string[];
  /** Why there are no ISO strings, or what to know about them. */
  note?: string;
}

/** Largest offset from the reference we convert: ±10⁸ days, beyond any real time axis. */
const MAX_DAYS = 1e8;

/** Convert numeric CF time values to ISO strings, honouring the calendar. */
export function decodeTimes(values: readonly number[], units: string, calendar?: string): DecodedTimes {
  const cal = (calendar ?? 'standard').trim().toLowerCase() || 'standard';
  const mixed = cal === 'standard' || cal === 'gregorian';
  if (!mixed && cal !== 'proleptic_gregorian') {
    return { note: `calendar "${cal}" is not converted to ISO dates; numeric time values kept` };
  }
  const parsed = parseTimeUnits(units);
  if (typeof parsed === 'string') return { note: `${parsed}; numeric time values kept` };
  const { unitMs, reference: r } = parsed;
  let refJdn: number;
  if (mixed) {
    const g = jdnFromGregorian(r.year, r.month, r.day);
    if (g >= JDN_GREGORIAN_START) refJdn = g;
    else {
      refJdn = jdnFromJulian(r.year, r.month, r.day);
      if (refJdn >= JDN_GREGORIAN_START) return { note: `reference date ${r.year}-${r.month}-${r.day} does not exist in the standard calendar` };
    }
  } else {
    refJdn = jdnFromGregorian(r.year, r.month, r.day);
  }
  const refMs = (refJdn - JDN_UNIX_EPOCH) * MS_PER_DAY + r.msOfDay;
  const iso = values.map((v) => {
    if (!Number.isFinite(v) || Math.abs(v * unitMs) > MAX_DAYS * MS_PER_DAY) return '';
    const t = Math.round(refMs + v * unitMs);
    const days = Math.floor(t / MS_PER_DAY);
    const jdn = days + JDN_UNIX_EPOCH;
    const [y, m, d] = dateFromJdn(jdn, !mixed || jdn >= JDN_GREGORIAN_START);
    return formatIso(y, m, d, t - days * MS_PER_DAY);
  });
  return { iso };
}

/** Parse an ISO string produced by `formatIso` (or any `Date.parse` input) to ms since 1970. */
export function isoToUnixMs(iso: string): number {
  const m = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/.exec(iso);
  if (!m) return Date.parse(iso);
  const jdn = jdnFromGregorian(Number(m[1]), Number(m[2]), Number(m[3]));
  const ms = ((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6])) * 1000 + Number((m[7] ?? '0').padEnd(3, '0'));
  return (jdn - JDN_UNIX_EPOCH) * MS_PER_DAY + ms;
}
