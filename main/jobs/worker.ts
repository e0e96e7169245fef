/**
 * Worker-thread entry of the job runner. The environment shim must run before any library is
 * evaluated (static imports are hoisted, so the rest is imported dynamically).
 */
import '../core/worker-env';

await import('./worker-main');
