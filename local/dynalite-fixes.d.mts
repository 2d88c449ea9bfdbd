// Types of dynalite-fixes.mjs (plain JavaScript, loaded by the dynalite worker without a TypeScript loader).
import type { Server } from 'node:http';
import type { DynaliteOptions } from 'dynalite';

/** The part of dynalite's store (dynalite/db) the fixes and their tests use. */
export interface DynaliteStore {
  /** The abstract-level database (classic-level on disk, memory-level in memory). */
  db: {
    attachResource(resource: object): void;
    detachResource(resource: object): void;
    close(): Promise<void>;
  };
  recreate(): void;
}

/**
 * A dynalite server with its store fixed: range reads close their iterators; closing under load does not throw;
 * sizes are measured in UTF-8 bytes.
 */
export function createDynalite(options?: DynaliteOptions): { server: Server; store: DynaliteStore };
/** dynalite as published, with the store its server uses. */
export function plainDynalite(options?: DynaliteOptions): { server: Server; store: DynaliteStore };
/** Makes every dynalite of the process measure item and key sizes in UTF-8 bytes, as DynamoDB (idempotent). */
export function fixDynaliteSizes(): void;
/** Applies the fixes to a store (idempotent); a recreated store is fixed again. */
export function fixDynaliteStore(store: DynaliteStore): DynaliteStore;
/** Counts the open resources (iterators) of the store's current database: returns the counter. */
export function countOpenResources(store: DynaliteStore): () => number;
