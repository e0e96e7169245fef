/**
 * NIfTI voxel → world (RAS+, mm) transforms (nifti1.h, "3D IMAGE (VOLUME) ORIENTATION AND
 * LOCATION IN SPACE"):
 * - Method 2, qform: a rotation given by the quaternion (b, c, d) with a = √(1 − b² − c² − d²),
 *   voxel sizes pixdim[1..3], qfac = pixdim[0] (±1) flipping k, and offsets qoffset_x/y/z.
 * - Method 3, sform: the 3×4 matrix of rows srow_x, srow_y, srow_z (any affine, shears too).
 *
 * Affines here are 3×4, row-major, as 12 numbers: world = A · [i, j, k, 1].
 */
export type Affine = number[];

/** The qform parameters of a NIfTI header. */
export interface Quatern {
  b: number;
  c: number;
  d: number;
  qx: number;
  qy: number;
  qz: number;
  /** Voxel sizes along i, j, k. */
  dx: number;
  dy: number;
  dz: number;
  /** ±1: the sign of the affine's determinant. */
  qfac: number;
}

/** The qform affine (nifti1.h method 2). A non-unit quaternion is renormalised, as nifti1_io does. */
export function quaternToAffine(q: Quatern): Affine {
  let { b, c, d } = q;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const n = Math.hypot(b, c, d) || 1;
    b /= n;
    c /= n;
    d /= n;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const qfac = q.qfac < 0 ? -1 : 1;
  const x = q.dx > 0 ? q.dx : 1;
  const y = q.dy > 0 ? q.dy : 1;
  const z = (q.dz > 0 ? q.dz : 1) * qfac;
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const t = [q.qx, q.qy, q.qz];
  return r.flatMap((row, i) => [row[0] * x, row[1] * y, row[2] * z, t[i]]);
}

/** Column `j` (the direction of voxel index j, scaled) of a 3×4 affine. */
function column(A: Affine, j: number): number[] {
  return [A[j], A[4 + j], A[8 + j]];
}

/** Determinant of a 3×3 matrix. */
function det3(m: number[][]): number {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/**
 * Quaternion, voxel sizes and qfac of an affine (the inverse of method 2). Columns are
 * normalised; a negative determinant sets qfac = −1 and flips the third column; the rotation
 * goes to a quaternion by the largest-pivot rule (numerically safe near 180°), with a ≥ 0.
 * Shears cannot be represented: the qform of a sheared grid is only its nearest rotation.
 */
export function affineToQuatern(A: Affine): Quatern {
  const cols = [0, 1, 2].map((j) => column(A, j));
  const sizes = cols.map((c) => Math.hypot(c[0], c[1], c[2]) || 1);
  const u = cols.map((c, j) => c.map((x) => x / sizes[j]));
  // Rotation matrix R with columns u0, u1, u2 (rows = world axes).
  const R = [0, 1, 2].map((i) => [u[0][i], u[1][i], u[2][i]]);
  const qfac = det3(R) < 0 ? -1 : 1;
  if (qfac < 0) for (let i = 0; i < 3; i++) R[i][2] = -R[i][2];
  const tr = R[0][0] + R[1][1] + R[2][2];
  let a: number, b: number, c: number, d: number;
  if (tr > 0) {
    a = 0.5 * Math.sqrt(1 + tr);
    b = (R[2][1] - R[1][2]) / (4 * a);
    c = (R[0][2] - R[2][0]) / (4 * a);
    d = (R[1][0] - R[0][1]) / (4 * a);
  } else if (R[0][0] >= R[1][1] && R[0][0] >= R[2][2]) {
    b = 0.5 * Math.sqrt(Math.max(0, 1 + R[0][0] - R[1][1] - R[2][2]));
    a = (R[2][1] - R[1][2]) / (4 * b);
    c = (R[0][1] + R[1][0]) / (4 * b);
    d = (R[0][2] + R[2][0]) / (4 * b);
  } else if (R[1][1] >= R[2][2]) {
    c = 0.5 * Math.sqrt(Math.max(0, 1 - R[0][0] + R[1][1] - R[2][2]));
    a = (R[0][2] - R[2][0]) / (4 * c);
    b = (R[0][1] + R[1][0]) / (4 * c);
    d = (R[1][2] + R[2][1]) / (4 * c);
  } else {
    d = 0.5 * Math.sqrt(Math.max(0, 1 - R[0][0] - R[1][1] + R[2][2]));
    a = (R[1][0] - R[0][1]) / (4 * d);
    b = (R[0][2] + R[2][0]) / (4 * d);
    c = (R[1][2] + R[2][1]) / (4 * d);
  }
  if (a < 0) {
    b = -b;
    c = -c;
    d = -d;
  }
  return { b, c, d, qx: A[3], qy: A[7], qz: A[11], dx: sizes[0], dy: sizes[1], dz: sizes[2], qfac };
}

/** The sform affine from srow_x/y/z. */
export function srowsToAffine(x: number[], y: number[], z: number[]): Affine {
  return [...x.slice(0, 4), ...y.slice(0, 4), ...z.slice(0, 4)];
}

/** Voxel sizes, unit direction columns (row-major 3×3) and translation of an affine. */
export function decomposeAffine(A: Affine): { spacing: [number, number, number]; direction: number[]; translation: [number, number, number] } {
  const cols = [0, 1, 2].map((j) => column(A, j));
  const sizes = cols.map((c) => Math.hypot(c[0], c[1], c[2]));
  const unit = cols.map((c, j) => (sizes[j] > 0 ? c.map((x) => x / sizes[j]) : [j === 0 ? 1 : 0, j === 1 ? 1 : 0, j === 2 ? 1 : 0]));
  const direction = [0, 1, 2].flatMap((i) => [unit[0][i], unit[1][i], unit[2][i]]);
  return {
    spacing: [sizes[0] || 1, sizes[1] || 1, sizes[2] || 1],
    direction,
    translation: [A[3], A[7], A[11]],
  };
}

/** The affine of unit direction columns scaled by voxel sizes, plus a translation. */
export function composeAffine(spacing: readonly number[], direction: readonly number[], translation: readonly number[]): Affine {
  const A: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) A.push(direction[i * 3 + j] * spacing[j]);
    A.push(translation[i]);
  }
  return A;
}

/** True when two affines agree to `tol` relative to their scale. */
export function affinesClose(A: Affine, B: Affine, tol = 1e-4): boolean {
  const scale = Math.max(1, ...A.map(Math.abs), ...B.map(Math.abs));
  return A.length === B.length && A.every((a, i) => Math.abs(a - B[i]) <= tol * scale);
}

/** LPS ⇄ RAS: negate the first two world rows (DICOM patient space vs NIfTI world). */
export function flipXY(A: Affine): Affine {
  return A.map((v, k) => (k < 8 ? -v : v));
}
