/**
 * The isosurface worker: marching cubes off the UI thread. Loaded by lib/isoMesher.ts as a
 * module worker from the app's own origin (CSP worker-src 'self').
 */
import { createIsoHandler, type IsoReply, type IsoRequest } from '../lib/isoMesherCore';

interface WorkerScope {
  onmessage: ((e: MessageEvent<IsoRequest>) => void) | null;
  postMessage(message: IsoReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const handle = createIsoHandler((reply, transfer) => scope.postMessage(reply, transfer ?? []));
scope.onmessage = (e) => handle(e.data);
