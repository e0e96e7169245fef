/**
 * A three.js scene showing one slice as a height field: the displayed image as the texture,
 * its display intensity as the height. Renders on demand (camera moves, new data), never in a
 * loop. Construction throws `WebGLUnavailableError` where no WebGL 2 context can be made (the
 * renderer, camera, controls and frame are `OrbitScene`'s, in sceneBase.ts).
 */
import {
  AmbientLight,
  BoxGeometry,
  BufferAttribute,
  BufferGeometry,
  DataTexture,
  DirectionalLight,
  DoubleSide,
  LinearFilter,
  LinearMipmapLinearFilter,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  RGBAFormat,
  SRGBColorSpace,
  UnsignedByteType,
  Vector3,
} from 'three';
import type { HeightGrid } from '../lib/heightField';
import { boxCorners, OrbitScene, WebGLUnavailableError } from './sceneBase';

export { WebGLUnavailableError };

export interface SurfaceData {
  /** The displayed image, width × height × RGBA. */
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  grid: HeightGrid;
  /** Physical pixel aspect (row spacing / column spacing). */
  aspect: number;
}

export class SurfaceScene extends OrbitScene {
  private texture?: DataTexture;
  private heightScale = 0.12;
  private data?: SurfaceData;
  private extent = { w: 1, h: 1 };

  constructor(canvas: HTMLCanvasElement) {
    super(canvas, new PerspectiveCamera(35, 1, 0.01, 100), { powerPreference: 'default' });
    this.scene.add(new AmbientLight(0xffffff, 1.1));
    const key = new DirectionalLight(0xffffff, 1.6);
    key.position.set(-0.6, -1.0, 1.6);
    this.scene.add(key);
    const fill = new DirectionalLight(0xffffff, 0.35);
    fill.position.set(1, 0.8, 0.5);
    this.scene.add(fill);
    this.resetCamera();
  }

  setSurface(data: SurfaceData): void {
    this.data = data;
    this.rebuild();
  }

  setHeightScale(s: number): void {
    this.heightScale = s;
    this.rebuild();
  }

  /**
   * Look at the surface from the front and above, at the nearest distance where all eight
   * corners of its box are inside the view (with a margin), whatever the viewport's shape.
   */
  protected fitCamera(): void {
    const { w, h } = this.extent;
    const zTop = Math.max(this.heightScale, 0);
    const target = new Vector3(0, 0, zTop / 2);
    const toCamera = new Vector3(0, -0.78, 0.63).normalize(); // about 39° above the image plane
    const corners = boxCorners([-w / 2, w / 2], [-h / 2, h / 2], [0, zTop]).map((p) => p.sub(target));
    this.aim(target, toCamera, this.fitDistance(toCamera, corners, 1.06));
  }

  /** The mesh, its frame and its texture. */
  protected override disposeMesh(): void {
    super.disposeMesh();
    this.setFrame(null);
    this.texture?.dispose();
    this.texture = undefined;
  }

  private rebuild(): void {
    this.disposeMesh();
    const d = this.data;
    if (!d) {
      this.requestRender();
      return;
    }
    // Fit the longer side to 1 world unit, keeping the physical pixel aspect.
    const physW = d.width;
    const physH = d.height * d.aspect;
    const s = 1 / Math.max(physW, physH);
    this.extent = { w: physW * s, h: physH * s };

    this.texture = this.makeTexture(d);
    const geometry = buildGrid(d.grid, this.extent.w, this.extent.h, this.heightScale);
    const material = new MeshStandardMaterial({ map: this.texture, side: DoubleSide, roughness: 0.9, metalness: 0, alphaTest: 0.5 });
    this.mesh = new Mesh(geometry, material);
    this.scene.add(this.mesh);

    const box = new BoxGeometry(this.extent.w, this.extent.h, Math.max(this.heightScale, 1e-3));
    box.translate(0, 0, Math.max(this.heightScale, 1e-3) / 2);
    this.setFrame(box, 0.55);
    if (!this.userMoved) this.fitCamera();
    this.requestRender();
  }

  private makeTexture(d: SurfaceData): DataTexture {
    const max = this.renderer.capabilities.maxTextureSize;
    let { rgba, width, height } = d;
    if (width > max || height > max) ({ rgba, width, height } = downsampleRgba(rgba, width, height, max));
    const tex = new DataTexture(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, RGBAFormat, UnsignedByteType);
    tex.colorSpace = SRGBColorSpace;
    tex.magFilter = LinearFilter;
    tex.minFilter = LinearMipmapLinearFilter;
    tex.generateMipmaps = true;
    tex.flipY = false;
    tex.needsUpdate = true;
    return tex;
  }
}

/**
 * The grid mesh: vertex (i, j) at x ∈ [−w/2, w/2] left to right, y from +h/2 (row 0, the
 * image's top) down to −h/2, z = height × scale. Texture v follows the rows, so the image reads
 * upright from above. Quads touching a nodata vertex are left out.
 */
function buildGrid(g: HeightGrid, w: number, h: number, scale: number): BufferGeometry {
  const { nx, ny, heights } = g;
  const pos = new Float32Array(nx * ny * 3);
  const uv = new Float32Array(nx * ny * 2);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const z = heights[k];
      pos[k * 3] = (i / (nx - 1) - 0.5) * w;
      pos[k * 3 + 1] = (0.5 - j / (ny - 1)) * h;
      pos[k * 3 + 2] = Number.isFinite(z) ? z * scale : 0;
      uv[k * 2] = i / (nx - 1);
      uv[k * 2 + 1] = j / (ny - 1);
    }
  }
  const index: number[] = [];
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const a = j * nx + i;
      const b = a + 1;
      const c = a + nx;
      const d = c + 1;
      if (!(Number.isFinite(heights[a]) && Number.isFinite(heights[b]) && Number.isFinite(heights[c]) && Number.isFinite(heights[d]))) continue;
      index.push(a, c, b, b, c, d);
    }
  }
  const geo = new BufferGeometry();
  geo.setAttribute('position', new BufferAttribute(pos, 3));
  geo.setAttribute('uv', new BufferAttribute(uv, 2));
  geo.setIndex(index);
  geo.computeVertexNormals();
  return geo;
}

function downsampleRgba(rgba: Uint8ClampedArray, width: number, height: number, max: number): { rgba: Uint8ClampedArray; width: number; height: number } {
  const f = Math.ceil(Math.max(width, height) / max);
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * f * width + x * f) * 4;
      out.set(rgba.subarray(s, s + 4), (y * w + x) * 4);
    }
  }
  return { rgba: out, width: w, height: h };
}
