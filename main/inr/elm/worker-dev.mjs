// Development entry of the ELM solver's worker: registers the TypeScript loader, then loads worker.ts.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
