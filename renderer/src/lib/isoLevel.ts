/** Otsu's threshold now lives in one module shared with the engine: main/mesh/iso-level.ts. */
export * from '../../../main/mesh/iso-level';
