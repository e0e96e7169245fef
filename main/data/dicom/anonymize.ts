/**
 * De-identification of DICOM data sets: the Basic Application Level Confidentiality Profile of
 * DICOM PS3.15 Annex E (§E.2), applied to every element about to be written, nested sequences
 * and the file meta group included.
 *
 * The attributes and their actions are the "Basic Prof." column of PS3.15 Table E.1-1
 * "Application Level Confidentiality Profile Attributes", edition 2024b, transcribed below as
 * data (`TABLE_E1_1`: tag → action, with the attribute name). Action codes (PS3.15 §E.1.1):
 *
 *   X remove · Z zero-length value · D non-zero dummy value consistent with the VR ·
 *   U new UID, consistent within the set of instances · K keep (sequences are still cleaned) ·
 *   X/Z, X/D, X/Z/D, Z/D: the first unless a later one is needed for IOD conformance
 *   (Type 3 → X, Type 2 → Z, Type 1 → D) · X/Z/U*: X, Z, or keep the sequence with its
 *   instance UIDs replaced, for Type 3 / 2 / 1.
 *
 * Rules outside the table, also from PS3.15 E.1-1 and §E.3.10:
 *   - every private attribute (odd group, private creators included) is removed;
 *   - curves (groups 5000–50FF) are removed whole. Overlays: the table removes Overlay Data and
 *     Overlay Comments (60xx,3000 / 60xx,4000); we remove the whole 60xx group, since an
 *     overlay plane without its data is not conformant and its label may carry text;
 *   - attributes not in the table are kept (K); sequences not in the table are kept with their
 *     items cleaned by the same rules.
 *
 * Choices (PS3.2 conformance statement material):
 *   - Combined codes resolve to the least information the output's IOD allows: the caller says
 *     which attributes are Type 1 or Type 2 for what it writes (`type1`, `type2`); anything
 *     else is Type 3 and removed.
 *   - Dates and times: never a dummy date. Z and Z/D dates (Study Date, Content Date …) are
 *     written zero-length, X/D and X/Z ones (Series Date, Acquisition Date …) removed, unless the
 *     caller marks them Type 1 (then 19000101 / 000000). No date shifting.
 *   - D values: `ANONYMIZED` for text, 19000101 / 000000 / 19000101000000 for DA / TM / DT,
 *     `000Y` for AS, 0 for numbers, zero bytes for binary data, one empty item for sequences.
 *   - U: a caller-supplied mapping; `uidMapper` hashes each UID with HMAC-SHA256 keyed by the
 *     per-install secret (core/install-secret.ts) into `2.25.<128-bit decimal>`, so the same
 *     source UID maps to the same new UID in every export of this install, references inside
 *     sequences included, and cannot be reversed or confirmed without the secret.
 *   - Attributes the caller generated itself (not copied from the source, e.g. the series
 *     description of a derived series) may be listed in `generated` and are then left alone.
 *   - Added (§E.1.1): Patient Identity Removed = YES, De-identification Method (text) and
 *     De-identification Method Code Sequence = (113100, DCM, "Basic Application
 *     Confidentiality Profile").
 *
 * Not covered: burned-in text in the pixels (the Clean Pixel Data option), cleaning of free text
 * kept by the profile (the Clean Descriptors option), file and folder names.
 */
import type { Field } from '../../core/field';
import { hmacUid, type DataElement, type ElementValue } from './encode';
import { TAG } from './tags';

/** Basic-profile action codes of PS3.15 Table E.1-1. */
export type ProfileAction = 'X' | 'Z' | 'D' | 'U' | 'K' | 'X/Z' | 'X/D' | 'X/Z/D' | 'Z/D' | 'X/Z/U*';

/** What is done to one element once the combined codes are resolved. */
export type ResolvedAction = 'remove' | 'empty' | 'dummy' | 'uid' | 'keep';

/** Tag of an element as dicom-parser and `TAG` write it: `x` + 8 lower-case hex digits. */
function tagKey(hex: string): string {
  return `x${hex.toLowerCase()}`;
}

function groupOf(tag: string): number {
  return parseInt(tag.slice(1, 5), 16);
}

/** A private attribute: odd group number (PS3.5 §7.8), private creators included. */
function isPrivateTag(tag: string): boolean {
  return (groupOf(tag) & 1) === 1;
}

/** Curve data (50xx,eeee), retired, removed whole. */
function isCurve(tag: string): boolean {
  const g = groupOf(tag);
  return g >= 0x5000 && g <= 0x50ff;
}

/** Overlay plane groups (60xx,eeee), even groups only. */
function isOverlay(tag: string): boolean {
  const g = groupOf(tag);
  return g >= 0x6000 && g <= 0x60ff && (g & 1) === 0;
}

/** The basic-profile action for a tag (`x` + 8 hex digits): the table, then the group rules, else K. */
export function basicProfileAction(tag: string): ProfileAction {
  const t = tag.toLowerCase();
  if (isPrivateTag(t) || isCurve(t) || isOverlay(t)) return 'X';
  return BASIC_PROFILE.get(t) ?? 'K';
}

/** Resolve a combined code for one attribute, given whether the output's IOD needs it (Type 1/2). */
export function resolveAction(action: ProfileAction, type: 1 | 2 | 3): ResolvedAction {
  switch (action) {
    case 'X':
      return 'remove';
    case 'Z':
      return 'empty';
    case 'D':
      return 'dummy';
    case 'U':
      return 'uid';
    case 'K':
      return 'keep';
    case 'X/Z':
      return type === 3 ? 'remove' : 'empty';
    case 'X/D':
      return type === 3 ? 'remove' : 'dummy';
    case 'X/Z/D':
      return type === 3 ? 'remove' : type === 2 ? 'empty' : 'dummy';
    case 'Z/D':
      return type === 1 ? 'dummy' : 'empty';
    case 'X/Z/U*':
      // Type 1: keep the sequence; its items are cleaned, which replaces the UIDs they hold.
      return type === 3 ? 'remove' : type === 2 ? 'empty' : 'keep';
  }
}

export interface AnonymizeOptions {
  /** The replacement of a source UID; must be consistent (same in, same out). See `uidMapper`. */
  uid: (uid: string) => string;
  /** Top-level attributes that are Type 1 in the IOD being written (need a value). */
  type1?: ReadonlySet<string>;
  /** Top-level attributes that are Type 2 (must be present, may be empty). */
  type2?: ReadonlySet<string>;
  /** Top-level attributes whose values the caller made itself, never copied from the source. */
  generated?: ReadonlySet<string>;
}

const TEXT_DUMMY: Partial<Record<DataElement['vr'], string>> = {
  DA: '19000101',
  TM: '000000',
  DT: '19000101000000',
  AS: '000Y',
  DS: '0',
  IS: '0',
};

const latin1 = new TextDecoder('latin1');

/** The values of a text element (multi-valued text split at backslashes). */
function textValues(value: ElementValue): string[] {
  if (Array.isArray(value)) return (value as unknown[]).map(String);
  if (value instanceof Uint8Array) return latin1.decode(value).split('\\');
  return typeof value === 'string' ? value.split('\\') : [];
}

/** Each UID of a UI element replaced; empty values stay empty. */
function mapUids(value: ElementValue, uid: (u: string) => string): string {
  return textValues(value)
    .map((u) => u.replace(/[\0 ]+$/, '').trim())
    .map((u) => (u ? uid(u) : ''))
    .join('\\');
}

function zeroLength(el: DataElement): ElementValue {
  if (el.vr === 'SQ') return [];
  if (el.value instanceof Uint16Array) return new Uint16Array(0);
  if (el.value instanceof Int16Array) return new Int16Array(0);
  if (el.value instanceof Uint8Array) return new Uint8Array(0);
  if (Array.isArray(el.value) && typeof el.value[0] === 'number') return [];
  return '';
}

function dummy(el: DataElement, uid: (u: string) => string): ElementValue {
  const { vr, value } = el;
  if (vr === 'SQ') return [[]];
  if (vr === 'UI') return mapUids(value, uid) || uid('');
  if (value instanceof Uint16Array) return new Uint16Array(Math.max(1, value.length));
  if (value instanceof Int16Array) return new Int16Array(Math.max(1, value.length));
  if (value instanceof Uint8Array && !TEXT_VRS.has(vr)) return new Uint8Array(Math.max(2, value.length + (value.length & 1)));
  if (Array.isArray(value) && typeof value[0] === 'number') return (value as number[]).map(() => 0);
  if (BINARY_NUMBER_VRS.has(vr)) return [0];
  return TEXT_DUMMY[vr] ?? 'ANONYMIZED';
}

/** VRs whose values are text (PS3.5 §6.2). */
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const BINARY_NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV', 'AT']);

/**
 * The data set with the basic profile applied: every element looked up by tag (private,
 * curve and overlay groups removed), actions resolved with the caller's Type 1/2 lists,
 * sequences cleaned item by item. Returns new element objects; values not changed are shared.
 */
export function anonymizeDataset(elements: readonly DataElement[], opts: AnonymizeOptions): DataElement[] {
  const out: DataElement[] = [];
  const nested: AnonymizeOptions = { uid: opts.uid };
  for (const el of elements) {
    const tag = el.tag.toLowerCase();
    if (opts.generated?.has(tag) && !isPrivateTag(tag)) {
      out.push(el);
      continue;
    }
    const type = opts.type1?.has(tag) ? 1 : opts.type2?.has(tag) ? 2 : 3;
    const action = resolveAction(basicProfileAction(tag), type);
    if (action === 'remove') continue;
    if (action === 'empty') out.push({ ...el, value: zeroLength(el) });
    else if (action === 'dummy') out.push({ ...el, value: dummy(el, opts.uid) });
    else if (action === 'uid') out.push({ ...el, value: el.vr === 'UI' ? mapUids(el.value, opts.uid) : dummy(el, opts.uid) });
    else if (el.vr === 'SQ') out.push({ ...el, value: (el.value as DataElement[][]).map((item) => anonymizeDataset(item, nested)) });
    else out.push(el);
  }
  return out;
}

/**
 * A consistent UID replacement keyed by `secret` (the per-install secret): HMAC-SHA256 of the
 * source UID, first 128 bits, as `2.25.<decimal>`. Memoised per mapper.
 */
export function uidMapper(secret: Uint8Array): (uid: string) => string {
  const known = new Map<string, string>();
  return (uid: string): string => {
    let v = known.get(uid);
    if (v === undefined) {
      v = hmacUid(uid, secret);
      known.set(uid, v);
    }
    return v;
  };
}

/** Text of De-identification Method (0012,0063), at most 64 characters (LO). */
const DEIDENTIFICATION_METHOD = 'INR Studio: PS3.15 E basic profile; UIDs by HMAC-SHA256';

/** The attributes §E.1.1 adds to a de-identified instance. */
export function deidentificationElements(): DataElement[] {
  return [
    { tag: TAG.PatientIdentityRemoved, vr: 'CS', value: 'YES' },
    { tag: TAG.DeidentificationMethod, vr: 'LO', value: DEIDENTIFICATION_METHOD },
    {
      tag: TAG.DeidentificationMethodCodeSequence,
      vr: 'SQ',
      value: [
        [
          { tag: TAG.CodeValue, vr: 'SH', value: '113100' },
          { tag: TAG.CodingSchemeDesignator, vr: 'SH', value: 'DCM' },
          { tag: TAG.CodeMeaning, vr: 'LO', value: 'Basic Application Confidentiality Profile' },
        ],
      ],
    },
  ];
}

/** Source attributes that identify a patient, a visit or a place (the export switch defaults on). */
const IDENTIFYING_TAGS = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'OtherPatientIDs',
  'AccessionNumber',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'InstitutionName',
  'StudyID',
];

/**
 * Whether a field read from DICOM carries patient or visit attributes: a UI or CLI can use it to
 * turn anonymisation on by default.
 */
export function hasPatientData(field: Field): boolean {
  if (field.provenance.format !== 'dicom') return false;
  const tags = (field.provenance.meta as { tags?: Record<string, unknown> } | undefined)?.tags;
  if (!tags) return false;
  return IDENTIFYING_TAGS.some((k) => typeof tags[k] === 'string' && (tags[k] as string).replace(/[\0 ^]/g, '') !== '');
}

/**
 * PS3.15 Table E.1-1, "Basic Prof." column (DICOM 2024b): tag (group + element, hex), action,
 * attribute name. Private attributes, curves and overlays are handled by `basicProfileAction`.
 */
const TABLE_E1_1: ReadonlyArray<readonly [string, ProfileAction, string]> = [
  ['00001000', 'X', 'Affected SOP Instance UID'],
  ['00001001', 'U', 'Requested SOP Instance UID'],
  ['00020003', 'U', 'Media Storage SOP Instance UID'],
  ['00041511', 'U', 'Referenced SOP Instance UID in File'],
  ['00080012', 'X/D', 'Instance Creation Date'],
  ['00080013', 'X/Z/D', 'Instance Creation Time'],
  ['00080014', 'U', 'Instance Creator UID'],
  ['00080015', 'X', 'Instance Coercion DateTime'],
  ['00080017', 'U', 'Acquisition UID'],
  ['00080018', 'U', 'SOP Instance UID'],
  ['00080019', 'U', 'Pyramid UID'],
  ['00080020', 'Z', 'Study Date'],
  ['00080021', 'X/D', 'Series Date'],
  ['00080022', 'X/Z', 'Acquisition Date'],
  ['00080023', 'Z/D', 'Content Date'],
  ['00080024', 'X', 'Overlay Date'],
  ['00080025', 'X', 'Curve Date'],
  ['0008002a', 'X/Z/D', 'Acquisition DateTime'],
  ['00080030', 'Z', 'Study Time'],
  ['00080031', 'X/D', 'Series Time'],
  ['00080032', 'X/Z', 'Acquisition Time'],
  ['00080033', 'Z/D', 'Content Time'],
  ['00080034', 'X', 'Overlay Time'],
  ['00080035', 'X', 'Curve Time'],
  ['00080050', 'Z', 'Accession Number'],
  ['00080054', 'X', 'Retrieve AE Title'],
  ['00080055', 'X', 'Station AE Title'],
  ['00080058', 'U', 'Failed SOP Instance UID List'],
  ['00080080', 'X/Z/D', 'Institution Name'],
  ['00080081', 'X', 'Institution Address'],
  ['00080082', 'X/Z/D', 'Institution Code Sequence'],
  ['00080090', 'Z', "Referring Physician's Name"],
  ['00080092', 'X', "Referring Physician's Address"],
  ['00080094', 'X', "Referring Physician's Telephone Numbers"],
  ['00080096', 'X', 'Referring Physician Identification Sequence'],
  ['0008009c', 'Z', "Consulting Physician's Name"],
  ['0008009d', 'X', 'Consulting Physician Identification Sequence'],
  ['00080106', 'D', 'Context Group Version'],
  ['00080107', 'D', 'Context Group Local Version'],
  ['00080201', 'X', 'Timezone Offset From UTC'],
  ['00081000', 'X', 'Network ID'],
  ['00081010', 'X/Z/D', 'Station Name'],
  ['00081030', 'X', 'Study Description'],
  ['0008103e', 'X', 'Series Description'],
  ['00081040', 'X', 'Institutional Department Name'],
  ['00081041', 'X', 'Institutional Department Type Code Sequence'],
  ['00081048', 'X', 'Physician(s) of Record'],
  ['00081049', 'X', 'Physician(s) of Record Identification Sequence'],
  ['00081050', 'X', "Performing Physician's Name"],
  ['00081052', 'X', 'Performing Physician Identification Sequence'],
  ['00081060', 'X', 'Name of Physician(s) Reading Study'],
  ['00081062', 'X', 'Physician(s) Reading Study Identification Sequence'],
  ['00081070', 'X/Z/D', "Operators' Name"],
  ['00081072', 'X/D', 'Operator Identification Sequence'],
  ['00081080', 'X', 'Admitting Diagnoses Description'],
  ['00081084', 'X', 'Admitting Diagnoses Code Sequence'],
  ['00081088', 'X', 'Pyramid Description'],
  ['00081110', 'X/Z', 'Referenced Study Sequence'],
  ['00081111', 'X/Z/D', 'Referenced Performed Procedure Step Sequence'],
  ['00081120', 'X', 'Referenced Patient Sequence'],
  ['00081140', 'X/Z/U*', 'Referenced Image Sequence'],
  ['00081155', 'U', 'Referenced SOP Instance UID'],
  ['00081195', 'U', 'Transaction UID'],
  ['00082111', 'X', 'Derivation Description'],
  ['00082112', 'X/Z/U*', 'Source Image Sequence'],
  ['00083010', 'U', 'Irradiation Event UID'],
  ['00084000', 'X', 'Identifying Comments'],
  ['00100010', 'Z', "Patient's Name"],
  ['00100020', 'Z/D', 'Patient ID'],
  ['00100021', 'X', 'Issuer of Patient ID'],
  ['00100030', 'Z', "Patient's Birth Date"],
  ['00100032', 'X', "Patient's Birth Time"],
  ['00100040', 'Z', "Patient's Sex"],
  ['00100050', 'X', "Patient's Insurance Plan Code Sequence"],
  ['00100101', 'X', "Patient's Primary Language Code Sequence"],
  ['00100102', 'X', "Patient's Primary Language Modifier Code Sequence"],
  ['00101000', 'X', 'Other Patient IDs'],
  ['00101001', 'X', 'Other Patient Names'],
  ['00101002', 'X', 'Other Patient IDs Sequence'],
  ['00101005', 'X', "Patient's Birth Name"],
  ['00101010', 'X', "Patient's Age"],
  ['00101020', 'X', "Patient's Size"],
  ['00101030', 'X', "Patient's Weight"],
  ['00101040', 'X', "Patient's Address"],
  ['00101050', 'X', 'Insurance Plan Identification'],
  ['00101060', 'X', "Patient's Mother's Birth Name"],
  ['00101080', 'X', 'Military Rank'],
  ['00101081', 'X', 'Branch of Service'],
  ['00101090', 'X', 'Medical Record Locator'],
  ['00101100', 'X', 'Referenced Patient Photo Sequence'],
  ['00102000', 'X', 'Medical Alerts'],
  ['00102110', 'X', 'Allergies'],
  ['00102150', 'X', 'Country of Residence'],
  ['00102152', 'X', 'Region of Residence'],
  ['00102154', 'X', "Patient's Telephone Numbers"],
  ['00102155', 'X', "Patient's Telecom Information"],
  ['00102160', 'X', 'Ethnic Group'],
  ['00102180', 'X', 'Occupation'],
  ['001021a0', 'X', 'Smoking Status'],
  ['001021b0', 'X', 'Additional Patient History'],
  ['001021c0', 'X', 'Pregnancy Status'],
  ['001021d0', 'X', 'Last Menstrual Date'],
  ['001021f0', 'X', "Patient's Religious Preference"],
  ['00102203', 'X/Z', "Patient's Sex Neutered"],
  ['00102297', 'X', 'Responsible Person'],
  ['00102299', 'X', 'Responsible Organization'],
  ['00104000', 'X', 'Patient Comments'],
  ['00120010', 'D', 'Clinical Trial Sponsor Name'],
  ['00120020', 'D', 'Clinical Trial Protocol ID'],
  ['00120021', 'Z', 'Clinical Trial Protocol Name'],
  ['00120022', 'X', 'Issuer of Clinical Trial Protocol ID'],
  ['00120023', 'X', 'Other Clinical Trial Protocol IDs Sequence'],
  ['00120030', 'Z', 'Clinical Trial Site ID'],
  ['00120031', 'Z', 'Clinical Trial Site Name'],
  ['00120032', 'X', 'Issuer of Clinical Trial Site ID'],
  ['00120040', 'D', 'Clinical Trial Subject ID'],
  ['00120041', 'X', 'Issuer of Clinical Trial Subject ID'],
  ['00120042', 'D', 'Clinical Trial Subject Reading ID'],
  ['00120043', 'X', 'Issuer of Clinical Trial Subject Reading ID'],
  ['00120050', 'Z', 'Clinical Trial Time Point ID'],
  ['00120051', 'X', 'Clinical Trial Time Point Description'],
  ['00120055', 'X', 'Issuer of Clinical Trial Time Point ID'],
  ['00120060', 'Z', 'Clinical Trial Coordinating Center Name'],
  ['00120071', 'X', 'Clinical Trial Series ID'],
  ['00120072', 'X', 'Clinical Trial Series Description'],
  ['00120073', 'X', 'Issuer of Clinical Trial Series ID'],
  ['00120081', 'D', 'Clinical Trial Protocol Ethics Committee Name'],
  ['00120082', 'X', 'Clinical Trial Protocol Ethics Committee Approval Number'],
  ['00120086', 'X', 'Ethics Committee Approval Effectiveness Start Date'],
  ['00120087', 'X', 'Ethics Committee Approval Effectiveness End Date'],
  ['0014407c', 'X', 'Calibration Time'],
  ['0014407e', 'X', 'Calibration Date'],
  ['0016002b', 'X', 'Maker Note'],
  ['0016004b', 'X', 'Device Setting Description'],
  ['0016004d', 'X', 'Camera Owner Name'],
  ['0016004e', 'X', 'Lens Specification'],
  ['0016004f', 'X', 'Lens Make'],
  ['00160050', 'X', 'Lens Model'],
  ['00160051', 'X', 'Lens Serial Number'],
  ['00160070', 'X', 'GPS Version ID'],
  ['00160071', 'X', 'GPS Latitude Ref'],
  ['00160072', 'X', 'GPS Latitude'],
  ['00160073', 'X', 'GPS Longitude Ref'],
  ['00160074', 'X', 'GPS Longitude'],
  ['00160075', 'X', 'GPS Altitude Ref'],
  ['00160076', 'X', 'GPS Altitude'],
  ['00160077', 'X', 'GPS Time Stamp'],
  ['00160078', 'X', 'GPS Satellites'],
  ['00160079', 'X', 'GPS Status'],
  ['0016007a', 'X', 'GPS Measure Mode'],
  ['0016007b', 'X', 'GPS DOP'],
  ['0016007c', 'X', 'GPS Speed Ref'],
  ['0016007d', 'X', 'GPS Speed'],
  ['0016007e', 'X', 'GPS Track Ref'],
  ['0016007f', 'X', 'GPS Track'],
  ['00160080', 'X', 'GPS Img Direction Ref'],
  ['00160081', 'X', 'GPS Img Direction'],
  ['00160082', 'X', 'GPS Map Datum'],
  ['00160083', 'X', 'GPS Dest Latitude Ref'],
  ['00160084', 'X', 'GPS Dest Latitude'],
  ['00160085', 'X', 'GPS Dest Longitude Ref'],
  ['00160086', 'X', 'GPS Dest Longitude'],
  ['00160087', 'X', 'GPS Dest Bearing Ref'],
  ['00160088', 'X', 'GPS Dest Bearing'],
  ['00160089', 'X', 'GPS Dest Distance Ref'],
  ['0016008a', 'X', 'GPS Dest Distance'],
  ['0016008b', 'X', 'GPS Processing Method'],
  ['0016008c', 'X', 'GPS Area Information'],
  ['0016008d', 'X', 'GPS Date Stamp'],
  ['0016008e', 'X', 'GPS Differential'],
  ['00180010', 'Z/D', 'Contrast/Bolus Agent'],
  ['00180027', 'X', 'Intervention Drug Stop Time'],
  ['00180035', 'X', 'Intervention Drug Start Time'],
  ['00181000', 'X/Z/D', 'Device Serial Number'],
  ['00181002', 'U', 'Device UID'],
  ['00181004', 'X', 'Plate ID'],
  ['00181005', 'X', 'Generator ID'],
  ['00181007', 'X', 'Cassette ID'],
  ['00181008', 'X', 'Gantry ID'],
  ['00181009', 'X', 'Unique Device Identifier'],
  ['0018100a', 'X', 'UDI Sequence'],
  ['0018100b', 'U', "Manufacturer's Device Class UID"],
  ['00181012', 'X', 'Date of Secondary Capture'],
  ['00181014', 'X', 'Time of Secondary Capture'],
  ['00181030', 'X/D', 'Protocol Name'],
  ['00181042', 'X', 'Contrast/Bolus Start Time'],
  ['00181043', 'X', 'Contrast/Bolus Stop Time'],
  ['00181072', 'X', 'Radiopharmaceutical Start Time'],
  ['00181073', 'X', 'Radiopharmaceutical Stop Time'],
  ['00181078', 'X', 'Radiopharmaceutical Start DateTime'],
  ['00181079', 'X', 'Radiopharmaceutical Stop DateTime'],
  ['001811bb', 'D', 'Acquisition Field Of View Label'],
  ['00181200', 'X', 'Date of Last Calibration'],
  ['00181201', 'X', 'Time of Last Calibration'],
  ['00181202', 'X', 'DateTime of Last Calibration'],
  ['00181203', 'Z', 'Calibration DateTime'],
  ['00181204', 'X', 'Date of Manufacture'],
  ['00181205', 'X', 'Date of Installation'],
  ['00181400', 'X/D', 'Acquisition Device Processing Description'],
  ['00182042', 'U', 'Target UID'],
  ['00184000', 'X', 'Acquisition Comments'],
  ['00185011', 'X', 'Transducer Identification Sequence'],
  ['0018700a', 'X/D', 'Detector ID'],
  ['0018700c', 'X/D', 'Date of Last Detector Calibration'],
  ['0018700e', 'X/D', 'Time of Last Detector Calibration'],
  ['00189074', 'D', 'Frame Acquisition DateTime'],
  ['00189151', 'D', 'Frame Reference DateTime'],
  ['00189185', 'X', 'Respiratory Motion Compensation Technique Description'],
  ['00189367', 'D', 'X-Ray Source ID'],
  ['00189369', 'D', 'Source Start DateTime'],
  ['0018936a', 'D', 'Source End DateTime'],
  ['00189371', 'D', 'X-Ray Detector ID'],
  ['00189373', 'X', 'X-Ray Detector Label'],
  ['0018937b', 'X', 'Multi-energy Acquisition Description'],
  ['0018937f', 'X', 'Decomposition Description'],
  ['00189424', 'X', 'Acquisition Protocol Description'],
  ['00189516', 'X/D', 'Start Acquisition DateTime'],
  ['00189517', 'X/D', 'End Acquisition DateTime'],
  ['00189623', 'D', 'Functional Sync Pulse'],
  ['00189701', 'D', 'Decay Correction DateTime'],
  ['00189804', 'D', 'Exclusion Start DateTime'],
  ['00189919', 'Z/D', 'Instruction Performed DateTime'],
  ['00189937', 'X', 'Requested Series Description'],
  ['0018a002', 'X', 'Contribution DateTime'],
  ['0018a003', 'X', 'Contribution Description'],
  ['0020000d', 'U', 'Study Instance UID'],
  ['0020000e', 'U', 'Series Instance UID'],
  ['00200010', 'Z', 'Study ID'],
  ['00200027', 'X', 'Pyramid Label'],
  ['00200052', 'U', 'Frame of Reference UID'],
  ['00200200', 'U', 'Synchronization Frame of Reference UID'],
  ['00203401', 'X', 'Modifying Device ID'],
  ['00203403', 'X', 'Modified Image Date'],
  ['00203405', 'X', 'Modified Image Time'],
  ['00203406', 'X', 'Modified Image Description'],
  ['00204000', 'X', 'Image Comments'],
  ['00209158', 'X', 'Frame Comments'],
  ['00209161', 'U', 'Concatenation UID'],
  ['00209164', 'U', 'Dimension Organization UID'],
  ['00281199', 'U', 'Palette Color Lookup Table UID'],
  ['00281214', 'U', 'Large Palette Color Lookup Table UID'],
  ['00284000', 'X', 'Image Presentation Comments'],
  ['00320012', 'X', 'Study ID Issuer'],
  ['00320032', 'X', 'Study Verified Date'],
  ['00320033', 'X', 'Study Verified Time'],
  ['00320034', 'X', 'Study Read Date'],
  ['00320035', 'X', 'Study Read Time'],
  ['00321000', 'X', 'Scheduled Study Start Date'],
  ['00321001', 'X', 'Scheduled Study Start Time'],
  ['00321010', 'X', 'Scheduled Study Stop Date'],
  ['00321011', 'X', 'Scheduled Study Stop Time'],
  ['00321020', 'X', 'Scheduled Study Location'],
  ['00321021', 'X', 'Scheduled Study Location AE Title'],
  ['00321030', 'X', 'Reason for Study'],
  ['00321032', 'X', 'Requesting Physician'],
  ['00321033', 'X', 'Requesting Service'],
  ['00321040', 'X', 'Study Arrival Date'],
  ['00321041', 'X', 'Study Arrival Time'],
  ['00321050', 'X', 'Study Completion Date'],
  ['00321051', 'X', 'Study Completion Time'],
  ['00321060', 'X/Z', 'Requested Procedure Description'],
  ['00321066', 'X', 'Reason for Visit'],
  ['00321067', 'X', 'Reason for Visit Code Sequence'],
  ['00321070', 'X', 'Requested Contrast Agent'],
  ['00324000', 'X', 'Study Comments'],
  ['00340001', 'D', 'Flow Identifier Sequence'],
  ['00340002', 'D', 'Flow Identifier'],
  ['00340005', 'D', 'Source Identifier'],
  ['00340007', 'D', 'Frame Origin Timestamp'],
  ['00380004', 'X', 'Referenced Patient Alias Sequence'],
  ['00380010', 'X', 'Admission ID'],
  ['00380011', 'X', 'Issuer of Admission ID'],
  ['00380014', 'X', 'Issuer of Admission ID Sequence'],
  ['0038001a', 'X', 'Scheduled Admission Date'],
  ['0038001b', 'X', 'Scheduled Admission Time'],
  ['0038001c', 'X', 'Scheduled Discharge Date'],
  ['0038001d', 'X', 'Scheduled Discharge Time'],
  ['0038001e', 'X', 'Scheduled Patient Institution Residence'],
  ['00380020', 'X', 'Admitting Date'],
  ['00380021', 'X', 'Admitting Time'],
  ['00380030', 'X', 'Discharge Date'],
  ['00380032', 'X', 'Discharge Time'],
  ['00380040', 'X', 'Discharge Diagnosis Description'],
  ['00380050', 'X', 'Special Needs'],
  ['00380060', 'X', 'Service Episode ID'],
  ['00380061', 'X', 'Issuer of Service Episode ID'],
  ['00380062', 'X', 'Service Episode Description'],
  ['00380064', 'X', 'Issuer of Service Episode ID Sequence'],
  ['00380300', 'X', 'Current Patient Location'],
  ['00380400', 'X', "Patient's Institution Residence"],
  ['00380500', 'X', 'Patient State'],
  ['00384000', 'X', 'Visit Comments'],
  ['003a0310', 'U', 'Multiplex Group UID'],
  ['003a0314', 'D', 'Impedance Measurement DateTime'],
  ['003a0329', 'X', 'Waveform Filter Description'],
  ['003a032b', 'X', 'Filter Lookup Table Description'],
  ['00400001', 'X', 'Scheduled Station AE Title'],
  ['00400002', 'X', 'Scheduled Procedure Step Start Date'],
  ['00400003', 'X', 'Scheduled Procedure Step Start Time'],
  ['00400004', 'X', 'Scheduled Procedure Step End Date'],
  ['00400005', 'X', 'Scheduled Procedure Step End Time'],
  ['00400006', 'X', "Scheduled Performing Physician's Name"],
  ['00400007', 'X', 'Scheduled Procedure Step Description'],
  ['00400009', 'X', 'Scheduled Procedure Step ID'],
  ['0040000b', 'X', 'Scheduled Performing Physician Identification Sequence'],
  ['00400010', 'X', 'Scheduled Station Name'],
  ['00400011', 'X', 'Scheduled Procedure Step Location'],
  ['00400012', 'X', 'Pre-Medication'],
  ['00400241', 'X', 'Performed Station AE Title'],
  ['00400242', 'X', 'Performed Station Name'],
  ['00400243', 'X', 'Performed Location'],
  ['00400244', 'X', 'Performed Procedure Step Start Date'],
  ['00400245', 'X', 'Performed Procedure Step Start Time'],
  ['00400250', 'X', 'Performed Procedure Step End Date'],
  ['00400251', 'X', 'Performed Procedure Step End Time'],
  ['00400253', 'X', 'Performed Procedure Step ID'],
  ['00400254', 'X', 'Performed Procedure Step Description'],
  ['00400275', 'X', 'Request Attributes Sequence'],
  ['00400280', 'X', 'Comments on the Performed Procedure Step'],
  ['00400310', 'X', 'Comments on Radiation Dose'],
  ['0040050a', 'X', 'Specimen Accession Number'],
  ['00400512', 'D', 'Container Identifier'],
  ['00400513', 'Z', 'Issuer of the Container Identifier Sequence'],
  ['0040051a', 'X', 'Container Description'],
  ['00400551', 'D', 'Specimen Identifier'],
  ['00400554', 'U', 'Specimen UID'],
  ['00400555', 'X/Z', 'Acquisition Context Sequence'],
  ['00400562', 'Z', 'Issuer of the Specimen Identifier Sequence'],
  ['00400600', 'X', 'Specimen Short Description'],
  ['00400602', 'X', 'Specimen Detailed Description'],
  ['00400610', 'Z', 'Specimen Preparation Sequence'],
  ['004006fa', 'X', 'Slide Identifier'],
  ['00401001', 'X', 'Requested Procedure ID'],
  ['00401002', 'X', 'Reason for the Requested Procedure'],
  ['00401004', 'X', 'Patient Transport Arrangements'],
  ['00401005', 'X', 'Requested Procedure Location'],
  ['0040100a', 'X', 'Reason for Requested Procedure Code Sequence'],
  ['00401010', 'X', 'Names of Intended Recipients of Results'],
  ['00401011', 'X', 'Intended Recipients of Results Identification Sequence'],
  ['00401101', 'D', 'Person Identification Code Sequence'],
  ['00401102', 'X', "Person's Address"],
  ['00401103', 'X', "Person's Telephone Numbers"],
  ['00401104', 'X', "Person's Telecom Information"],
  ['00401400', 'X', 'Requested Procedure Comments'],
  ['00402001', 'X', 'Reason for the Imaging Service Request'],
  ['00402004', 'X', 'Issue Date of Imaging Service Request'],
  ['00402005', 'X', 'Issue Time of Imaging Service Request'],
  ['00402008', 'X', 'Order Entered By'],
  ['00402009', 'X', "Order Enterer's Location"],
  ['00402010', 'X', 'Order Callback Phone Number'],
  ['00402011', 'X', 'Order Callback Telecom Information'],
  ['00402016', 'Z', 'Placer Order Number / Imaging Service Request'],
  ['00402017', 'Z', 'Filler Order Number / Imaging Service Request'],
  ['00402400', 'X', 'Imaging Service Request Comments'],
  ['00403001', 'X', 'Confidentiality Constraint on Patient Data Description'],
  ['00404005', 'X', 'Scheduled Procedure Step Start DateTime'],
  ['00404008', 'X', 'Scheduled Procedure Step Expiration DateTime'],
  ['00404010', 'X', 'Scheduled Procedure Step Modification DateTime'],
  ['00404011', 'X', 'Expected Completion DateTime'],
  ['00404023', 'U', 'Referenced General Purpose Scheduled Procedure Step Transaction UID'],
  ['00404025', 'X', 'Scheduled Station Name Code Sequence'],
  ['00404027', 'X', 'Scheduled Station Geographic Location Code Sequence'],
  ['00404028', 'X', 'Performed Station Name Code Sequence'],
  ['00404030', 'X', 'Performed Station Geographic Location Code Sequence'],
  ['00404034', 'X', 'Scheduled Human Performers Sequence'],
  ['00404035', 'X', 'Actual Human Performers Sequence'],
  ['00404036', 'X', "Human Performer's Organization"],
  ['00404037', 'X', "Human Performer's Name"],
  ['00404050', 'X', 'Performed Procedure Step Start DateTime'],
  ['00404051', 'X', 'Performed Procedure Step End DateTime'],
  ['00404052', 'X', 'Procedure Step Cancellation DateTime'],
  ['0040a023', 'X', 'Findings Group Recording Date (Trial)'],
  ['0040a024', 'X', 'Findings Group Recording Time (Trial)'],
  ['0040a027', 'D', 'Verifying Organization'],
  ['0040a030', 'D', 'Verification DateTime'],
  ['0040a032', 'X/D', 'Observation DateTime'],
  ['0040a033', 'X', 'Observation Start DateTime'],
  ['0040a073', 'D', 'Verifying Observer Sequence'],
  ['0040a075', 'D', 'Verifying Observer Name'],
  ['0040a078', 'X', 'Author Observer Sequence'],
  ['0040a07a', 'X', 'Participant Sequence'],
  ['0040a07c', 'X', 'Custodial Organization Sequence'],
  ['0040a082', 'Z', 'Participation DateTime'],
  ['0040a088', 'Z', 'Verifying Observer Identification Code Sequence'],
  ['0040a110', 'X', 'Date of Document or Verbal Transaction (Trial)'],
  ['0040a112', 'X', 'Time of Document Creation or Verbal Transaction (Trial)'],
  ['0040a120', 'D', 'DateTime'],
  ['0040a121', 'D', 'Date'],
  ['0040a122', 'D', 'Time'],
  ['0040a123', 'D', 'Person Name'],
  ['0040a124', 'U', 'UID'],
  ['0040a13a', 'D', 'Referenced DateTime'],
  ['0040a171', 'U', 'Observation UID'],
  ['0040a172', 'U', 'Referenced Observation UID (Trial)'],
  ['0040a192', 'X', 'Observation Date (Trial)'],
  ['0040a193', 'X', 'Observation Time (Trial)'],
  ['0040a307', 'X', 'Current Observer (Trial)'],
  ['0040a352', 'X', 'Verbal Source (Trial)'],
  ['0040a353', 'X', 'Address (Trial)'],
  ['0040a354', 'X', 'Telephone Number (Trial)'],
  ['0040a358', 'X', 'Verbal Source Identifier Code Sequence (Trial)'],
  ['0040a402', 'U', 'Observation Subject UID (Trial)'],
  ['0040a730', 'D', 'Content Sequence'],
  ['0040db06', 'X', 'Template Version'],
  ['0040db07', 'X', 'Template Local Version'],
  ['0040db0c', 'U', 'Template Extension Organization UID'],
  ['0040db0d', 'U', 'Template Extension Creator UID'],
  ['0040e004', 'X', 'HL7 Document Effective Time'],
  ['00420011', 'D', 'Encapsulated Document'],
  ['00440004', 'X', 'Approval Status DateTime'],
  ['0044000b', 'X', 'Product Expiration DateTime'],
  ['00440010', 'X', 'Substance Administration DateTime'],
  ['00440104', 'D', 'Assertion DateTime'],
  ['00440105', 'X', 'Assertion Expiration DateTime'],
  ['0050001b', 'X', 'Container Component ID'],
  ['00500020', 'X', 'Device Description'],
  ['00500021', 'X', 'Long Device Description'],
  ['00620021', 'U', 'Tracking UID'],
  ['00640003', 'U', 'Source Frame of Reference UID'],
  ['00686226', 'D', 'Effective DateTime'],
  ['00686270', 'D', 'Information Issue DateTime'],
  ['006a0003', 'D', 'Annotation Group UID'],
  ['006a0005', 'D', 'Annotation Group Label'],
  ['006a0006', 'X', 'Annotation Group Description'],
  ['00700001', 'D', 'Graphic Annotation Sequence'],
  ['00700082', 'X', 'Presentation Creation Date'],
  ['00700083', 'X', 'Presentation Creation Time'],
  ['00700084', 'Z/D', "Content Creator's Name"],
  ['00700086', 'X', "Content Creator's Identification Code Sequence"],
  ['0070031a', 'U', 'Fiducial UID'],
  ['00701101', 'U', 'Presentation Display Collection UID'],
  ['00701102', 'U', 'Presentation Sequence Collection UID'],
  ['0072000a', 'D', 'Hanging Protocol Creation DateTime'],
  ['0072005e', 'D', 'Selector AE Value'],
  ['0072005f', 'D', 'Selector AS Value'],
  ['00720061', 'D', 'Selector DA Value'],
  ['00720063', 'D', 'Selector DT Value'],
  ['00720065', 'D', 'Selector OB Value'],
  ['00720066', 'D', 'Selector LO Value'],
  ['00720068', 'D', 'Selector LT Value'],
  ['0072006a', 'D', 'Selector PN Value'],
  ['0072006b', 'D', 'Selector TM Value'],
  ['0072006c', 'D', 'Selector SH Value'],
  ['0072006d', 'D', 'Selector UN Value'],
  ['0072006e', 'D', 'Selector ST Value'],
  ['00720070', 'D', 'Selector UT Value'],
  ['00720071', 'D', 'Selector UR Value'],
  ['00741234', 'X', 'Receiving AE'],
  ['00741236', 'X', 'Requesting AE'],
  ['00880140', 'U', 'Storage Media File-set UID'],
  ['00880200', 'X', 'Icon Image Sequence'],
  ['00880904', 'X', 'Topic Title'],
  ['00880906', 'X', 'Topic Subject'],
  ['00880910', 'X', 'Topic Author'],
  ['00880912', 'X', 'Topic Keywords'],
  ['01000420', 'X', 'SOP Authorization DateTime'],
  ['04000100', 'U', 'Digital Signature UID'],
  ['04000105', 'D', 'Digital Signature DateTime'],
  ['04000115', 'D', 'Certificate of Signer'],
  ['04000310', 'X', 'Certified Timestamp'],
  ['04000402', 'X', 'Referenced Digital Signature Sequence'],
  ['04000403', 'X', 'Referenced SOP Instance MAC Sequence'],
  ['04000404', 'X', 'MAC'],
  ['04000550', 'X', 'Modified Attributes Sequence'],
  ['04000551', 'X', 'Nonconforming Modified Attributes Sequence'],
  ['04000552', 'X', 'Nonconforming Data Element Value'],
  ['04000561', 'X', 'Original Attributes Sequence'],
  ['04000562', 'D', 'Attribute Modification DateTime'],
  ['04000563', 'D', 'Modifying System'],
  ['04000564', 'Z', 'Source of Previous Values'],
  ['04000565', 'D', 'Reason for the Attribute Modification'],
  ['04000600', 'X', 'Instance Origin Status'],
  ['20300020', 'X', 'Text String'],
  ['21000040', 'X', 'Creation Date'],
  ['21000050', 'X', 'Creation Time'],
  ['21000070', 'X', 'Originator'],
  ['21000140', 'D', 'Destination AE'],
  ['22000002', 'X/Z', 'Label Text'],
  ['22000005', 'X/Z', 'Barcode Value'],
  ['30020121', 'X', 'Position Acquisition Template Name'],
  ['30020123', 'X', 'Position Acquisition Template Description'],
  ['30060002', 'D', 'Structure Set Label'],
  ['30060004', 'X', 'Structure Set Name'],
  ['30060006', 'X', 'Structure Set Description'],
  ['30060008', 'Z', 'Structure Set Date'],
  ['30060009', 'Z', 'Structure Set Time'],
  ['30060024', 'U', 'Referenced Frame of Reference UID'],
  ['30060026', 'Z', 'ROI Name'],
  ['30060028', 'X', 'ROI Description'],
  ['3006002d', 'X', 'ROI DateTime'],
  ['3006002e', 'X', 'ROI Observation DateTime'],
  ['30060038', 'X', 'ROI Generation Description'],
  ['3006004d', 'X', 'ROI Creator Sequence'],
  ['3006004e', 'X', 'ROI Interpreter Sequence'],
  ['30060085', 'X', 'ROI Observation Label'],
  ['30060088', 'X', 'ROI Observation Description'],
  ['300600a6', 'Z', 'ROI Interpreter'],
  ['300600c2', 'U', 'Related Frame of Reference UID'],
  ['30080024', 'D', 'Treatment Control Point Date'],
  ['30080025', 'D', 'Treatment Control Point Time'],
  ['30080054', 'X/D', 'First Treatment Date'],
  ['30080056', 'X/D', 'Most Recent Treatment Date'],
  ['30080105', 'X/Z', 'Source Serial Number'],
  ['30080162', 'D', 'Safe Position Exit Date'],
  ['30080164', 'D', 'Safe Position Exit Time'],
  ['30080166', 'D', 'Safe Position Return Date'],
  ['30080168', 'D', 'Safe Position Return Time'],
  ['30080250', 'X/D', 'Treatment Date'],
  ['30080251', 'X/D', 'Treatment Time'],
  ['300a0002', 'D', 'RT Plan Label'],
  ['300a0003', 'X', 'RT Plan Name'],
  ['300a0004', 'X', 'RT Plan Description'],
  ['300a0006', 'X/D', 'RT Plan Date'],
  ['300a0007', 'X/D', 'RT Plan Time'],
  ['300a000b', 'X', 'Treatment Sites'],
  ['300a000e', 'X', 'Prescription Description'],
  ['300a0013', 'U', 'Dose Reference UID'],
  ['300a0016', 'X', 'Dose Reference Description'],
  ['300a0072', 'X', 'Fraction Group Description'],
  ['300a0083', 'U', 'Referenced Dose Reference UID'],
  ['300a00b2', 'X/Z', 'Treatment Machine Name'],
  ['300a00c3', 'X', 'Beam Description'],
  ['300a00dd', 'X', 'Bolus Description'],
  ['300a0196', 'X', 'Fixation Device Description'],
  ['300a01a6', 'X', 'Shielding Device Description'],
  ['300a01b2', 'X', 'Setup Technique Description'],
  ['300a0216', 'X', 'Source Manufacturer'],
  ['300a022c', 'D', 'Source Strength Reference Date'],
  ['300a022e', 'D', 'Source Strength Reference Time'],
  ['300a02eb', 'X', 'Compensator Description'],
  ['300a0608', 'D', 'Treatment Position Group Label'],
  ['300a0609', 'U', 'Treatment Position Group UID'],
  ['300a0611', 'Z', 'RT Accessory Holder Slot ID'],
  ['300a0615', 'Z', 'RT Accessory Device Slot ID'],
  ['300a0619', 'D', 'Radiation Dose Identification Label'],
  ['300a0623', 'D', 'Radiation Dose In-Vivo Measurement Label'],
  ['300a062a', 'D', 'RT Tolerance Set Label'],
  ['300a0650', 'U', 'Patient Setup UID'],
  ['300a0676', 'X', 'Equipment Frame of Reference Description'],
  ['300a067c', 'D', 'Radiation Generation Mode Label'],
  ['300a067d', 'Z', 'Radiation Generation Mode Description'],
  ['300a0700', 'U', 'Treatment Session UID'],
  ['300a0734', 'D', 'Treatment Tolerance Violation Description'],
  ['300a0736', 'D', 'Treatment Tolerance Violation DateTime'],
  ['300a073a', 'D', 'Recorded RT Control Point DateTime'],
  ['300a0741', 'D', 'Interlock DateTime'],
  ['300a0742', 'D', 'Interlock Description'],
  ['300a0760', 'D', 'Override DateTime'],
  ['300a0783', 'D', 'Interlock Origin Description'],
  ['300a0785', 'U', 'Referenced Treatment Position Group UID'],
  ['300a078e', 'X', 'Patient Treatment Preparation Procedure Parameter Description'],
  ['300a0792', 'X', 'Patient Treatment Preparation Method Description'],
  ['300a0794', 'X', 'Patient Setup Photo Description'],
  ['300a079a', 'X', 'Displacement Reference Label'],
  ['300c0113', 'X', 'Reason for Omission Description'],
  ['300c0127', 'D', 'Beam Hold Transition DateTime'],
  ['300e0004', 'Z', 'Review Date'],
  ['300e0005', 'Z', 'Review Time'],
  ['300e0008', 'X/Z', 'Reviewer Name'],
  ['30100006', 'U', 'Conceptual Volume UID'],
  ['3010000b', 'U', 'Referenced Conceptual Volume UID'],
  ['3010000f', 'Z', 'Conceptual Volume Combination Description'],
  ['30100013', 'U', 'Constituent Conceptual Volume UID'],
  ['30100015', 'U', 'Source Conceptual Volume UID'],
  ['30100017', 'Z', 'Conceptual Volume Description'],
  ['3010001b', 'Z', 'Device Alternate Identifier'],
  ['3010002d', 'D', 'Device Label'],
  ['30100031', 'U', 'Referenced Fiducials UID'],
  ['30100033', 'D', 'User Content Label'],
  ['30100034', 'D', 'User Content Long Label'],
  ['30100035', 'D', 'Entity Label'],
  ['30100036', 'X', 'Entity Name'],
  ['30100037', 'X', 'Entity Description'],
  ['30100038', 'D', 'Entity Long Label'],
  ['3010003b', 'U', 'RT Treatment Phase UID'],
  ['30100043', 'Z', "Manufacturer's Device Identifier"],
  ['3010004c', 'X/D', 'Intended Phase Start Date'],
  ['3010004d', 'X/D', 'Intended Phase End Date'],
  ['30100054', 'D', 'RT Prescription Label'],
  ['30100056', 'X/D', 'RT Treatment Approach Label'],
  ['3010005a', 'Z', 'RT Physician Intent Narrative'],
  ['3010005c', 'Z', 'Reason for Superseding'],
  ['30100061', 'X', 'Prior Treatment Dose Description'],
  ['3010006e', 'U', 'Dosimetric Objective UID'],
  ['3010006f', 'U', 'Referenced Dosimetric Objective UID'],
  ['30100077', 'X/D', 'Treatment Site'],
  ['3010007a', 'Z', 'Treatment Technique Notes'],
  ['3010007b', 'Z', 'Prescription Notes'],
  ['3010007f', 'Z', 'Fractionation Notes'],
  ['30100081', 'Z', 'Prescription Notes Sequence'],
  ['30100085', 'X', 'Intended Fraction Start Time'],
  ['40000010', 'X', 'Arbitrary'],
  ['40004000', 'X', 'Text Comments'],
  ['40080040', 'X', 'Results ID'],
  ['40080042', 'X', 'Results ID Issuer'],
  ['40080100', 'X', 'Interpretation Recorded Date'],
  ['40080101', 'X', 'Interpretation Recorded Time'],
  ['40080102', 'X', 'Interpretation Recorder'],
  ['40080108', 'X', 'Interpretation Transcription Date'],
  ['40080109', 'X', 'Interpretation Transcription Time'],
  ['4008010a', 'X', 'Interpretation Transcriber'],
  ['4008010b', 'X', 'Interpretation Text'],
  ['4008010c', 'X', 'Interpretation Author'],
  ['40080111', 'X', 'Interpretation Approver Sequence'],
  ['40080112', 'X', 'Interpretation Approval Date'],
  ['40080113', 'X', 'Interpretation Approval Time'],
  ['40080114', 'X', 'Physician Approving Interpretation'],
  ['40080115', 'X', 'Interpretation Diagnosis Description'],
  ['40080118', 'X', 'Results Distribution List Sequence'],
  ['40080119', 'X', 'Distribution Name'],
  ['4008011a', 'X', 'Distribution Address'],
  ['40080200', 'X', 'Interpretation ID'],
  ['40080202', 'X', 'Interpretation ID Issuer'],
  ['40080300', 'X', 'Impressions'],
  ['40084000', 'X', 'Results Comments'],
  ['fffafffa', 'X', 'Digital Signatures Sequence'],
  ['fffcfffc', 'X', 'Data Set Trailing Padding'],
];

/** The table by tag as dicom-parser names it (`x00100010`). */
const BASIC_PROFILE: ReadonlyMap<string, ProfileAction> = new Map(TABLE_E1_1.map(([t, a]) => [tagKey(t), a]));
