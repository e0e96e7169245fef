/** Marching cubes now lives in one module shared with the engine: main/mesh/marching-cubes.ts. */
export * from '../../../main/mesh/marching-cubes';
