/**
 * DICOM tags, value representations and transfer syntaxes used by the reader and the writer.
 * Tags are written the way dicom-parser names them: `x` + group + element in lower-case hex.
 */

/** Tags by keyword (PS3.6). Only those this module reads or writes. */
export const TAG = {
  // File meta information (group 0002)
  FileMetaInformationGroupLength: 'x00020000',
  FileMetaInformationVersion: 'x00020001',
  MediaStorageSOPClassUID: 'x00020002',
  MediaStorageSOPInstanceUID: 'x00020003',
  TransferSyntaxUID: 'x00020010',
  ImplementationClassUID: 'x00020012',
  ImplementationVersionName: 'x00020013',
  // DICOMDIR (group 0004)
  FileSetID: 'x00041130',
  RootDirectoryFirstRecord: 'x00041200',
  DirectoryRecordSequence: 'x00041220',
  NextDirectoryRecordOffset: 'x00041400',
  LowerLevelDirectoryOffset: 'x00041420',
  DirectoryRecordType: 'x00041430',
  ReferencedFileID: 'x00041500',
  ReferencedSOPInstanceUIDInFile: 'x00041511',
  // Identification
  SpecificCharacterSet: 'x00080005',
  ImageType: 'x00080008',
  SOPClassUID: 'x00080016',
  SOPInstanceUID: 'x00080018',
  StudyDate: 'x00080020',
  SeriesDate: 'x00080021',
  AcquisitionDate: 'x00080022',
  ContentDate: 'x00080023',
  StudyTime: 'x00080030',
  SeriesTime: 'x00080031',
  AcquisitionTime: 'x00080032',
  ContentTime: 'x00080033',
  AccessionNumber: 'x00080050',
  Modality: 'x00080060',
  ConversionType: 'x00080064',
  Manufacturer: 'x00080070',
  InstitutionName: 'x00080080',
  InstitutionAddress: 'x00080081',
  ReferringPhysicianName: 'x00080090',
  StationName: 'x00081010',
  StudyDescription: 'x00081030',
  SeriesDescription: 'x0008103e',
  PerformingPhysicianName: 'x00081050',
  OperatorsName: 'x00081070',
  ManufacturerModelName: 'x00081090',
  ReferencedSeriesSequence: 'x00081115',
  DerivationDescription: 'x00082111',
  CodeValue: 'x00080100',
  CodingSchemeDesignator: 'x00080102',
  CodeMeaning: 'x00080104',
  // Patient
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  OtherPatientIDs: 'x00101000',
  PatientAge: 'x00101010',
  PatientSize: 'x00101020',
  PatientWeight: 'x00101030',
  PatientAddress: 'x00101040',
  PatientIdentityRemoved: 'x00120062',
  DeidentificationMethod: 'x00120063',
  DeidentificationMethodCodeSequence: 'x00120064',
  // Acquisition
  BodyPartExamined: 'x00180015',
  SliceThickness: 'x00180050',
  SpacingBetweenSlices: 'x00180088',
  EchoNumbers: 'x00180086',
  DeviceSerialNumber: 'x00181000',
  GantryDetectorTilt: 'x00181120',
  ImagerPixelSpacing: 'x00181164',
  DiffusionBValue: 'x00189087',
  // Relationship and geometry
  StudyInstanceUID: 'x0020000d',
  SeriesInstanceUID: 'x0020000e',
  StudyID: 'x00200010',
  SeriesNumber: 'x00200011',
  AcquisitionNumber: 'x00200012',
  InstanceNumber: 'x00200013',
  PatientOrientation: 'x00200020',
  ImagePositionPatient: 'x00200032',
  ImageOrientationPatient: 'x00200037',
  FrameOfReferenceUID: 'x00200052',
  TemporalPositionIdentifier: 'x00200100',
  PositionReferenceIndicator: 'x00201040',
  SliceLocation: 'x00201041',
  // Image pixel
  SamplesPerPixel: 'x00280002',
  PhotometricInterpretation: 'x00280004',
  PlanarConfiguration: 'x00280006',
  NumberOfFrames: 'x00280008',
  Rows: 'x00280010',
  Columns: 'x00280011',
  PixelSpacing: 'x00280030',
  BitsAllocated: 'x00280100',
  BitsStored: 'x00280101',
  HighBit: 'x00280102',
  PixelRepresentation: 'x00280103',
  PixelPaddingValue: 'x00280120',
  WindowCenter: 'x00281050',
  WindowWidth: 'x00281051',
  RescaleIntercept: 'x00281052',
  RescaleSlope: 'x00281053',
  RescaleType: 'x00281054',
  RedPaletteDescriptor: 'x00281101',
  GreenPaletteDescriptor: 'x00281102',
  BluePaletteDescriptor: 'x00281103',
  RedPaletteData: 'x00281201',
  GreenPaletteData: 'x00281202',
  BluePaletteData: 'x00281203',
  LossyImageCompression: 'x00282110',
  PresentationLUTShape: 'x20500020',
  // Enhanced multi-frame functional groups
  FrameContentSequence: 'x00209111',
  PlanePositionSequence: 'x00209113',
  PlaneOrientationSequence: 'x00209116',
  PixelMeasuresSequence: 'x00289110',
  FrameVOILUTSequence: 'x00289132',
  PixelValueTransformationSequence: 'x00289145',
  SharedFunctionalGroupsSequence: 'x52009229',
  PerFrameFunctionalGroupsSequence: 'x52009230',
  // PET, RT dose
  Units: 'x00541001',
  DoseUnits: 'x30040002',
  GridFrameOffsetVector: 'x3004000c',
  DoseGridScaling: 'x3004000e',
  // Pixel data
  FloatPixelData: 'x7fe00008',
  DoubleFloatPixelData: 'x7fe00009',
  PixelData: 'x7fe00010',
} as const;

/** Transfer syntax UIDs (PS3.5 §10 and Annex A). */
export const TS = {
  ImplicitLE: '1.2.840.10008.1.2',
  ExplicitLE: '1.2.840.10008.1.2.1',
  DeflatedLE: '1.2.840.10008.1.2.1.99',
  ExplicitBE: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegLossless14: '1.2.840.10008.1.2.4.57',
  JpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  Jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  Jpeg2000: '1.2.840.10008.1.2.4.91',
  Rle: '1.2.840.10008.1.2.5',
} as const;

/** A readable name for a transfer syntax UID, for messages and the browser. */
export function transferSyntaxName(uid: string): string {
  const names: Record<string, string> = {
    [TS.ImplicitLE]: 'implicit VR little endian',
    [TS.ExplicitLE]: 'explicit VR little endian',
    [TS.DeflatedLE]: 'deflated explicit VR little endian',
    [TS.ExplicitBE]: 'explicit VR big endian',
    [TS.JpegBaseline]: 'JPEG baseline',
    [TS.JpegExtended]: 'JPEG extended (12-bit)',
    [TS.JpegLossless14]: 'JPEG lossless',
    [TS.JpegLosslessSV1]: 'JPEG lossless SV1',
    [TS.JpegLsLossless]: 'JPEG-LS lossless',
    [TS.JpegLsNearLossless]: 'JPEG-LS near-lossless',
    [TS.Jpeg2000Lossless]: 'JPEG 2000 lossless',
    [TS.Jpeg2000]: 'JPEG 2000',
    [TS.Rle]: 'RLE lossless',
    '1.2.840.10008.1.2.4.100': 'MPEG-2 video',
    '1.2.840.10008.1.2.4.101': 'MPEG-2 video',
    '1.2.840.10008.1.2.4.102': 'MPEG-4 video',
    '1.2.840.10008.1.2.4.103': 'MPEG-4 video',
    '1.2.840.10008.1.2.4.106': 'MPEG-4 video',
    '1.2.840.10008.1.2.4.107': 'HEVC video',
    '1.2.840.10008.1.2.4.108': 'HEVC video',
    '1.2.840.10008.1.2.4.201': 'HTJ2K lossless',
    '1.2.840.10008.1.2.4.202': 'HTJ2K lossless RPCL',
    '1.2.840.10008.1.2.4.203': 'HTJ2K',
    '1.2.840.10008.1.2.4.91.1': 'JPIP',
    '1.2.840.10008.1.2.4.94': 'JPIP referenced',
  };
  return names[uid] ?? 'unknown';
}

/** SOP classes the reader recognises by UID. */
export const SOP = {
  MediaStorageDirectory: '1.2.840.10008.1.3.10',
  CTImage: '1.2.840.10008.5.1.4.1.1.2',
  MRImage: '1.2.840.10008.5.1.4.1.1.4',
  PETImage: '1.2.840.10008.5.1.4.1.1.128',
  SecondaryCapture: '1.2.840.10008.5.1.4.1.1.7',
} as const;

/** The value representations the writer encodes (PS3.5 §6.2). */
export type VR =
  | 'AE'
  | 'AS'
  | 'CS'
  | 'DA'
  | 'DS'
  | 'DT'
  | 'IS'
  | 'LO'
  | 'LT'
  | 'PN'
  | 'SH'
  | 'ST'
  | 'TM'
  | 'UI'
  | 'UT'
  | 'UC'
  | 'UR'
  | 'AT'
  | 'US'
  | 'SS'
  | 'UL'
  | 'SL'
  | 'FL'
  | 'FD'
  | 'SV'
  | 'UV'
  | 'OB'
  | 'OW'
  | 'OD'
  | 'OF'
  | 'OL'
  | 'OV'
  | 'SQ'
  | 'UN';

/** Every VR defined by PS3.5 §6.2; used to recognise explicit-VR data without a meta header. */
export const ALL_VRS = new Set([
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FD',
  'FL',
  'IS',
  'LO',
  'LT',
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'PN',
  'SH',
  'SL',
  'SQ',
  'SS',
  'ST',
  'SV',
  'TM',
  'UC',
  'UI',
  'UL',
  'UN',
  'UR',
  'US',
  'UT',
  'UV',
]);

/** VRs whose explicit encoding has 2 reserved bytes and a 4-byte length (PS3.5 §7.1.2). */
export const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
