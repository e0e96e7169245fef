/**
 * Resource limits of the local bridge. One WebSocket message holds at most
 * `MAX_MESSAGE_BYTES`; a browser upload (one file, or the files of a dropped folder together)
 * at most `MAX_UPLOAD_BYTES`. Both sit well below 2 GiB, where typed arrays and Buffers stop
 * and where one request could pin several GB of the engine's memory (the frame, its decoded
 * copy and the file written from it). Larger datasets open by path.
 *
 * The renderer's bridge client (renderer/src/api/bridge.ts) keeps a copy of
 * `MAX_MESSAGE_BYTES` to refuse an oversized request with a clear message before sending it;
 * tests/unit/bridge-auth.test.ts checks that the two agree.
 */

/** 512 MiB: the WebSocket server's `maxPayload`; a larger frame closes the socket (1009). */
export const MAX_MESSAGE_BYTES = 512 * 2 ** 20;

/**
 * The bytes of one upload request (the file, or the sum over a folder's files). A little under
 * the message cap, so that the request's header always fits beside the bytes.
 */
export const MAX_UPLOAD_BYTES = MAX_MESSAGE_BYTES - 2 ** 20;

/** Files in one folder upload (a DICOM series of a few thousand slices fits). */
export const MAX_UPLOAD_FILES = 20_000;
