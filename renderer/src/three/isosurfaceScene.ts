/**
 * A three.js scene showing an isosurface mesh inside the outline of its volume, lit by a light
 * that moves with the camera, so the side you look at is always lit. Physical units throughout:
 * the mesh comes in millimetres (or whatever the spacing is in), so the aspect is the data's.
 * Renders on demand (camera moves, new mesh), never in a loop; the drawing buffer is kept, so
 * the picture can be read back (PNG export, tests).
 */
import {
  AmbientLight,
  Box3,
  BoxGeometry,
  BufferAttribute,
  BufferGeometry,
  Color,
  DirectionalLight,
  DoubleSide,
  HemisphereLight,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Sphere,
  Vector3,
} from 'three';
import { boxCorners, OrbitScene, WebGLUnavailableError } from './sceneBase';

export { WebGLUnavailableError };

export interface IsoSurfaceData {
  positions: Float32Array;
  normals: Float32Array;
  indices: Uint32Array;
  /** Physical extent of the volume along x (fastest axis), y and z (slowest). */
  extent: [number, number, number];
  /** Surface colour (CSS). */
  color: string;
  /**
   * Which way along y the front (the face of a head) is: +1 for NIfTI's RAS storage, where y
   * grows towards anterior, −1 for DICOM rows, which grow towards posterior.
   */
  front: 1 | -1;
}

/** The view the camera starts from: in front (y × front), a little to the side and above. */
function startDirection(front: 1 | -1): Vector3 {
  return new Vector3(0.5 * front, front, 0.25).normalize();
}

export class IsosurfaceScene extends OrbitScene {
  private extent: [number, number, number] = [1, 1, 1];
  private front: 1 | -1 = 1;

  constructor(canvas: HTMLCanvasElement) {
    super(canvas, new PerspectiveCamera(30, 1, 0.1, 1e5), { preserveDrawingBuffer: true });
    this.scene.add(new AmbientLight(0xffffff, 0.35));
    this.scene.add(new HemisphereLight(0xffffff, 0x40444c, 0.9));
    // A headlight, up and to the left of the eye: moves with the camera.
    const head = new DirectionalLight(0xffffff, 1.9);
    head.position.set(-0.4, 0.6, 1);
    this.camera.add(head);
    this.scene.add(this.camera);
    this.fitCamera();
  }

  /** Show a surface (or none), centred in its volume's box. */
  setSurface(data: IsoSurfaceData | null): void {
    this.disposeMesh();
    if (data) {
      const [ex, ey, ez] = data.extent;
      const geometry = new BufferGeometry();
      geometry.setAttribute('position', new BufferAttribute(data.positions, 3));
      geometry.setAttribute('normal', new BufferAttribute(data.normals, 3));
      geometry.setIndex(new BufferAttribute(data.indices, 1));
      geometry.translate(-ex / 2, -ey / 2, -ez / 2);
      // Computed from the box, not the vertices: cheap, and the same for every threshold.
      geometry.boundingBox = new Box3(new Vector3(-ex / 2, -ey / 2, -ez / 2), new Vector3(ex / 2, ey / 2, ez / 2));
      geometry.boundingSphere = new Sphere(new Vector3(), Math.hypot(ex, ey, ez) / 2);
      const material = new MeshStandardMaterial({ color: new Color(data.color), roughness: 0.55, metalness: 0, side: DoubleSide });
      this.mesh = new Mesh(geometry, material);
      this.scene.add(this.mesh);
      const changed = data.extent.some((v, k) => v !== this.extent[k]) || data.front !== this.front;
      this.extent = [...data.extent];
      this.front = data.front;
      this.setFrame(new BoxGeometry(...this.extent), 0.5);
      if (changed && !this.userMoved) this.fitCamera();
    }
    this.requestRender();
  }

  /**
   * Look at the volume's centre from the start direction, at the nearest distance where all
   * eight corners of its box are in view (with a margin), whatever the viewport's shape.
   */
  protected fitCamera(): void {
    const [ex, ey, ez] = this.extent;
    const toCamera = startDirection(this.front);
    let dist = this.fitDistance(toCamera, boxCorners([-ex / 2, ex / 2], [-ey / 2, ey / 2], [-ez / 2, ez / 2]), 1.05);
    if (!(dist > 0)) dist = 1;
    this.aim(new Vector3(), toCamera, dist);
  }
}
