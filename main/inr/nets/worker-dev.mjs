// Development entry of the nets' training worker: registers the TypeScript loader, then loads worker.ts.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
