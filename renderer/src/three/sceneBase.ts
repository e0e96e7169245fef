/**
 * What the 3D views' three.js scenes share: a WebGL 2 renderer on a given canvas (construction
 * throws `WebGLUnavailableError` where no context can be made), a perspective camera with z up
 * turned by orbit controls, one mesh and one box frame, and on-demand rendering (camera moves,
 * new data), never in a loop. Subclasses light the scene and say where the camera goes. Two
 * scenes can share one camera motion: `onCameraMove` reports the user's moves, and
 * `setCameraView` puts the other scene's camera in the same place (side-by-side comparisons).
 */
import {
  BoxGeometry,
  BufferGeometry,
  Color,
  EdgesGeometry,
  LineBasicMaterial,
  LineSegments,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Scene,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

export class WebGLUnavailableError extends Error {
  override name = 'WebGLUnavailableError';
}

/** Where a camera is: its position, the point it orbits and looks at, and its clipping planes. */
export interface CameraView {
  position: [number, number, number];
  target: [number, number, number];
  near: number;
  far: number;
}

export abstract class OrbitScene {
  protected readonly renderer: WebGLRenderer;
  protected readonly scene = new Scene();
  protected readonly controls: OrbitControls;
  protected mesh?: Mesh<BufferGeometry, MeshStandardMaterial>;
  protected frame?: LineSegments<EdgesGeometry, LineBasicMaterial>;
  protected frameColor = '#555';
  /** Once the user has moved the camera, resizes and new data keep their view. */
  protected userMoved = false;
  private pending = 0;
  /** True between the start and the end of a user's move (drag, wheel): only those moves are reported. */
  private interacting = false;
  /** Called after each frame is drawn. */
  onRender?: () => void;
  /** Called when the user moves the camera (orbit, pan, zoom), not when the scene moves it. */
  onCameraMove?: () => void;

  /** `context`: WebGL context attributes beyond antialias on and alpha off. */
  constructor(
    canvas: HTMLCanvasElement,
    protected readonly camera: PerspectiveCamera,
    context: { preserveDrawingBuffer?: boolean; powerPreference?: WebGLPowerPreference } = {},
  ) {
    const gl = canvas.getContext('webgl2', { antialias: true, alpha: false, ...context });
    if (!gl) throw new WebGLUnavailableError('WebGL 2 is not available in this window (no GPU driver, or hardware acceleration is off).');
    try {
      this.renderer = new WebGLRenderer({ canvas, context: gl, antialias: true, preserveDrawingBuffer: context.preserveDrawingBuffer });
    } catch (err) {
      throw new WebGLUnavailableError(`WebGL could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.camera.up.set(0, 0, 1);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => {
      this.requestRender();
      if (this.interacting) this.onCameraMove?.();
    });
    this.controls.addEventListener('start', () => {
      this.userMoved = true;
      this.interacting = true;
    });
    this.controls.addEventListener('end', () => (this.interacting = false));
  }

  /** Put the camera where it shows the whole scene (called unless the user has moved it). */
  protected abstract fitCamera(): void;

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

  cameraView(): CameraView {
    const p = this.camera.position;
    const t = this.controls.target;
    return { position: [p.x, p.y, p.z], target: [t.x, t.y, t.z], near: this.camera.near, far: this.camera.far };
  }

  /** Put the camera where another scene's is (it then keeps that view through resizes and new data). */
  setCameraView(v: CameraView): void {
    this.controls.target.set(...v.target);
    this.camera.position.set(...v.position);
    this.camera.near = v.near;
    this.camera.far = v.far;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.userMoved = true;
    this.requestRender();
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
    this.setFrame(null);
    this.renderer.dispose();
  }

  protected disposeMesh(): void {
    if (!this.mesh) return;
    this.scene.remove(this.mesh);
    this.mesh.geometry.dispose();
    this.mesh.material.dispose();
    this.mesh = undefined;
  }

  /** Replace the frame by the edges of `box` (disposed here), or by none. */
  protected setFrame(box: BoxGeometry | null, opacity = 0.5): void {
    if (this.frame) {
      this.scene.remove(this.frame);
      this.frame.geometry.dispose();
      this.frame.material.dispose();
      this.frame = undefined;
    }
    if (!box) return;
    this.frame = new LineSegments(new EdgesGeometry(box), new LineBasicMaterial({ color: new Color(this.frameColor), transparent: true, opacity }));
    box.dispose();
    this.scene.add(this.frame);
  }

  /**
   * The nearest distance along `toCamera` at which all `points` (relative to the point looked
   * at) are in view, with a margin, whatever the viewport's shape.
   */
  protected fitDistance(toCamera: Vector3, points: Vector3[], margin: number): number {
    const forward = toCamera.clone().negate();
    const right = new Vector3().crossVectors(forward, this.camera.up).normalize();
    const up = new Vector3().crossVectors(right, forward).normalize();
    const tanV = Math.tan((this.camera.fov * Math.PI) / 360);
    const tanH = tanV * this.camera.aspect;
    let dist = 0;
    for (const p of points) {
      const depth = p.dot(toCamera); // towards the camera
      dist = Math.max(dist, depth + (Math.abs(p.dot(right)) * margin) / tanH, depth + (Math.abs(p.dot(up)) * margin) / tanV);
    }
    return dist;
  }

  /** Look at `target` from `dist` along `toCamera`, with near and far planes to suit. */
  protected aim(target: Vector3, toCamera: Vector3, dist: number): void {
    this.controls.target.copy(target);
    this.camera.position.copy(target).addScaledVector(toCamera, dist);
    this.camera.near = dist / 100;
    this.camera.far = dist * 10;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.requestRender();
  }
}

/** The eight corners of the box [x0, x1] × [y0, y1] × [z0, z1]. */
export function boxCorners([x0, x1]: [number, number], [y0, y1]: [number, number], [z0, z1]: [number, number]): Vector3[] {
  const out: Vector3[] = [];
  for (const x of [x0, x1]) for (const y of [y0, y1]) for (const z of [z0, z1]) out.push(new Vector3(x, y, z));
  return out;
}
