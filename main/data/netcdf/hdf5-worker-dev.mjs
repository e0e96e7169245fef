// Development and test entry of the HDF5 worker thread. A built app runs the bundled
// hdf5-worker.js instead. h5wasm (4 MB of JavaScript) is imported before the TypeScript loader is
// registered, so tsx never transforms it (that takes ~14 s); hdf5-worker.ts then finds it loaded.
import { register } from 'tsx/esm/api';

// Drop this thread's console output (Emscripten's print/printErr): see hdf5-worker.ts.
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (...args) => {
    const done = args[args.length - 1];
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  };
}

const navigatorDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
if (navigatorDescriptor?.configurable) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
try {
  await (
    await import('h5wasm/node')
  ).ready;
} finally {
  if (navigatorDescriptor?.configurable) Object.defineProperty(globalThis, 'navigator', navigatorDescriptor);
}
register();
await import('./hdf5-worker.ts');
