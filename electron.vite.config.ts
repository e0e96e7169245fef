import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// Native and optional modules stay outside the bundle: they are loaded from node_modules
// (asar-unpacked where they carry wasm or .node files).
const external = ['@tensorflow/tfjs-node-gpu', 'webgpu', 'h5wasm', 'tsx', /^@cornerstonejs\//];

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve('electron/main.ts'),
          worker: resolve('main/jobs/worker.ts'),
          'elm-worker': resolve('main/inr/elm/worker.ts'),
          'net-worker': resolve('main/inr/nets/worker.ts'),
          'hdf5-worker': resolve('main/data/netcdf/hdf5-worker.ts'),
        },
        external,
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('electron/preload.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
