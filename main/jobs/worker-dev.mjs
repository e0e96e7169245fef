// Development entry of the worker thread: registers the TypeScript loader, then loads worker.ts.
// The built app uses the bundled worker.js instead.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
