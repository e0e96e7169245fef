import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The renderer built for the browser (bridge) mode: the same code as the Electron renderer.
export default defineConfig({
  root: resolve('renderer'),
  base: './',
  plugins: [vue()],
  build: {
    outDir: resolve('out/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
