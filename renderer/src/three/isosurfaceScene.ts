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
  EdgesGeometry,
  HemisphereLight,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Scene,
  Sphere,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { WebGLUnavailableError } from './surfaceScene';

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

export class IsosurfaceScene {
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera = new PerspectiveCamera(30, 1, 0.1, 1e5);
  private readonly controls: OrbitControls;
  private mesh?: Mesh<BufferGeometry, MeshStandardMaterial>;
  private frame?: LineSegments<EdgesGeometry, LineBasicMaterial>;
  private extent: [number, number, number] = [1, 1, 1];
  private front: 1 | -1 = 1;
  private frameColor = '#555';
  private pending = 0;
  private userMoved = false;
  /** Called after each frame is drawn. */
  onRender?: () => void;

  constructor(canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl2', { antialias: true, alpha: false, preserveDrawingBuffer: true });
    if (!gl) throw new WebGLUnavailableError('WebGL 2 is not available in this window (no GPU driver, or hardware acceleration is off).');
    try {
      this.renderer = new WebGLRenderer({ canvas, context: gl, antialias: true, preserveDrawingBuffer: true });
    } catch (err) {
      throw new WebGLUnavailableError(`WebGL could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.camera.up.set(0, 0, 1);
    this.scene.add(new AmbientLight(0xffffff, 0.35));
    this.scene.add(new HemisphereLight(0xffffff, 0x40444c, 0.9));
    // A headlight, up and to the left of the eye: moves with the camera.
    const head = new DirectionalLight(0xffffff, 1.9);
    head.position.set(-0.4, 0.6, 1);
    this.camera.add(head);
    this.scene.add(this.camera);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.controls.addEventListener('start', () => (this.userMoved = true));
    this.fitCamera();
  }

  /** GL renderer string, for diagnostics. */
  get rendererInfo(): string {
    const gl = this.renderer.getContext();
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  }

  setBackground(css: string, frameColor: string): void {
    this.scene.background = new Color(css.trim() || '#000');
    this.frameColor = frameColor.trim() || '#555';
    if (this.frame) this.frame.material.color = new Color(this.frameColor);
    this.requestRender();
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
      this.setFrame();
      if (changed && !this.userMoved) this.fitCamera();
    }
    this.requestRender();
  }

  resize(width: number, height: number): void {
    if (width <= 0 || height <= 0) return;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    if (!this.userMoved) this.fitCamera();
    this.requestRender();
  }

  resetCamera(): void {
    this.userMoved = false;
    this.fitCamera();
  }

  requestRender(): void {
    if (!this.pending) this.pending = requestAnimationFrame(() => this.render());
  }

  render(): void {
    if (this.pending) cancelAnimationFrame(this.pending);
    this.pending = 0;
    this.renderer.render(this.scene, this.camera);
    this.onRender?.();
  }

  dispose(): void {
    if (this.pending) cancelAnimationFrame(this.pending);
    this.controls.dispose();
    this.disposeMesh();
    if (this.frame) {
      this.frame.geometry.dispose();
      this.frame.material.dispose();
    }
    this.renderer.dispose();
  }

  /**
   * Look at the volume's centre from the start direction, at the nearest distance where all
   * eight corners of its box are in view (with a margin), whatever the viewport's shape.
   */
  private fitCamera(): void {
    const [ex, ey, ez] = this.extent;
    const toCamera = startDirection(this.front);
    const forward = toCamera.clone().negate();
    const right = new Vector3().crossVectors(forward, this.camera.up).normalize();
    const up = new Vector3().crossVectors(right, forward).normalize();
    const tanV = Math.tan((this.camera.fov * Math.PI) / 360);
    const tanH = tanV * this.camera.aspect;
    const margin = 1.05;
    let dist = 0;
    for (const x of [-ex / 2, ex / 2]) {
      for (const y of [-ey / 2, ey / 2]) {
        for (const z of [-ez / 2, ez / 2]) {
          const p = new Vector3(x, y, z);
          const depth = p.dot(toCamera);
          dist = Math.max(dist, depth + (Math.abs(p.dot(right)) * margin) / tanH, depth + (Math.abs(p.dot(up)) * margin) / tanV);
        }
      }
    }
    if (!(dist > 0)) dist = 1;
    this.controls.target.set(0, 0, 0);
    this.camera.position.copy(toCamera).multiplyScalar(dist);
    this.camera.near = dist / 100;
    this.camera.far = dist * 10;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.requestRender();
  }

  private setFrame(): void {
    if (this.frame) {
      this.scene.remove(this.frame);
      this.frame.geometry.dispose();
      this.frame.material.dispose();
    }
    const box = new BoxGeometry(...this.extent);
    this.frame = new LineSegments(new EdgesGeometry(box), new LineBasicMaterial({ color: new Color(this.frameColor), transparent: true, opacity: 0.5 }));
    box.dispose();
    this.scene.add(this.frame);
  }

  private disposeMesh(): void {
    if (!this.mesh) return;
    this.scene.remove(this.mesh);
    this.mesh.geometry.dispose();
    this.mesh.material.dispose();
    this.mesh = undefined;
  }
}
