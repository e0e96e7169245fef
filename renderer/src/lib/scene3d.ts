/**
 * How a 3D view component holds its three.js scene (an `OrbitScene`, three/sceneBase.ts), the
 * same in SurfaceView3D, IsosurfaceView and each pane of SurfaceCompare. `useSceneView`, called
 * in the component's setup:
 * - starts the scene on the view's canvas when `ensureScene()` is first called (so the WebGL
 *   context only starts once there is something to show), or keeps in `glError` why it could not;
 * - colours it from the theme (`--view-bg`, `--text-faint`), now and on every theme change;
 * - gives it the size of its host element, now and on every resize of the host;
 * - with `onContextRestored`, tracks a lost WebGL context in `contextLost`;
 * - and disposes of it (renderer, controls, geometries, materials) when the component unmounts.
 */
import { computed, onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue';
import { theme } from '../state/theme';
import { WebGLUnavailableError, type OrbitScene } from '../three/sceneBase';

export interface SceneViewOptions<S extends OrbitScene> {
  /** Makes the scene on the canvas; throws where WebGL cannot start. */
  create: (canvas: HTMLCanvasElement) => S;
  canvas: () => HTMLCanvasElement | undefined;
  /** The element whose size the scene takes. */
  host: () => HTMLElement | undefined;
  /** Where to keep why the scene could not start: pass one ref to views that fail together. */
  glError?: Ref<string | null>;
  /** Called once with the new scene, before it is themed and sized. */
  onStart?: (scene: S) => void;
  /**
   * Given: when the WebGL context is lost the browser is let restore it, `contextLost` is true
   * until it has, and then this is called (to show the data again). Not given: no such watch.
   */
  onContextRestored?: () => void;
}

export function useSceneView<S extends OrbitScene>(options: SceneViewOptions<S>) {
  const scene = shallowRef<S>();
  const glError = options.glError ?? ref<string | null>(null);
  const contextLost = ref(false);
  /** The GL renderer string, for diagnostics. */
  const rendererInfo = computed(() => scene.value?.rendererInfo ?? '');
  /** The canvas the context listeners are on. */
  let listened: HTMLCanvasElement | undefined;

  function applyTheme(): void {
    scene.value?.setBackground(cssVar('--view-bg'), cssVar('--text-faint'));
  }

  function sizeTo(width: number, height: number): void {
    scene.value?.resize(Math.round(width), Math.round(height));
  }

  /** The scene, started on first call; undefined while there is no canvas or where WebGL failed. */
  function ensureScene(): S | undefined {
    if (scene.value || glError.value) return scene.value;
    const canvas = options.canvas();
    if (!canvas) return undefined;
    try {
      scene.value = options.create(canvas);
    } catch (err) {
      glError.value = err instanceof WebGLUnavailableError ? err.message : `The 3D view could not start (${err instanceof Error ? err.message : String(err)}).`;
      return undefined;
    }
    options.onStart?.(scene.value);
    if (options.onContextRestored) {
      listened = canvas;
      canvas.addEventListener('webglcontextlost', onContextLost);
      canvas.addEventListener('webglcontextrestored', onContextRestored);
    }
    applyTheme();
    const r = options.host()?.getBoundingClientRect();
    if (r) sizeTo(r.width, r.height);
    return scene.value;
  }

  function onContextLost(e: Event): void {
    e.preventDefault(); // allow the browser to restore it
    contextLost.value = true;
  }
  function onContextRestored(): void {
    contextLost.value = false;
    options.onContextRestored?.();
  }

  watch(theme, () => requestAnimationFrame(applyTheme));

  let observer: ResizeObserver | undefined;
  onMounted(() => {
    observer = new ResizeObserver((entries) => sizeTo(entries[0].contentRect.width, entries[0].contentRect.height));
    const host = options.host();
    if (host) observer.observe(host);
  });

  onBeforeUnmount(() => {
    observer?.disconnect();
    listened?.removeEventListener('webglcontextlost', onContextLost);
    listened?.removeEventListener('webglcontextrestored', onContextRestored);
    scene.value?.dispose();
    scene.value = undefined;
  });

  return { scene, glError, contextLost, rendererInfo, ensureScene };
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name);
}
