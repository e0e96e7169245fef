/**
 * The Content-Security-Policy of the app, shared by the Electron window and the bridge's static
 * server: local scripts only (plus 'wasm-unsafe-eval' for wasm codecs and tfjs), no remote
 * anything, and the bridge WebSocket on loopback.
 */
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:*; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
