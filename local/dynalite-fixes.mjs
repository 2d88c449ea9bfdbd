// Fixes for dynalite 4.0.0 where the local stack depends on it, applied at run time to the store of each
// server made here (node_modules stays as npm installed it). Plain JavaScript: the dynalite worker thread
// loads it without a TypeScript loader. Types in dynalite-fixes.d.mts.
//
// dynalite reads ranges through streams over LevelDB iterators (`createValueStream`, `createKeyStream` in
// dynalite/db/index.js) that never close them:
// - a Query or Scan stops at its Limit by destroying its stream, and the stream's destroy looks for an
//   `iterator.return` that abstract-level 3 iterators do not have: the iterator stays open;
// - a stream that reads to the end leaves its iterator open too (only `close()` releases it).
//   Each open iterator keeps a LevelDB snapshot and native buffers until the database closes: the local
//   stack's resident memory grew by about 80 KB per feed page read (docs/RELIABILITY.md, finding 4).
// - When the database closes while a stream still reads (the server stopping under load), the next read
//   fails with "Iterator is not open: cannot read after close()", and dynalite throws that error from its
//   request callback: an uncaught exception that ends the process.
// The streams made here close their iterator when they end or are destroyed. A value read that fails (the
// database closed under it included) becomes a DynamoDB InternalServerError answer (500: the SDK retries it)
// instead of a throw; a key stream whose database closed under it just stops (dynalite wraps key streams in
// one that has no error listener, so any error there would still end the process).
//
// dynalite measures strings (attribute names and values, key values) in UTF-16 code units where DynamoDB
// counts UTF-8 bytes: a CJK character is one unit and three bytes, so an item or key that AWS refuses passed
// here. With fixDynaliteSizes, item sizes and the key sizes of the table and its indexes are checked in UTF-8
// bytes, with DynamoDB's messages (dynalite does not check index keys at all). dynalite's validations are
// module-wide: the fix holds for every dynalite server of the process (or worker thread) once applied.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import dynalite from 'dynalite';

const require = createRequire(import.meta.url);
/** dynalite's own database module (the one its server calls `create` on). */
const dynaliteDb = require('dynalite/db');

/** Items read from an iterator per call (fewer promise round trips than one by one). */
const BATCH = 32;
const fixed = new WeakSet();

/** Creates a dynalite server as `dynalite(options)` does, with its store fixed as described above. */
export function createDynalite(options = {}) {
  fixDynaliteSizes();
  const made = plainDynalite(options);
  fixDynaliteStore(made.store);
  return made;
}

/** dynalite as published, with the store its server uses (dynalite does not expose it). */
export function plainDynalite(options = {}) {
  const create = dynaliteDb.create;
  let store;
  // dynalite() calls the database module's create() once, synchronously: catch its result.
  dynaliteDb.create = (o) => {
    store = create(o);
    return store;
  };
  try {
    const server = dynalite(options);
    return { server, store };
  } finally {
    dynaliteDb.create = create;
  }
}

/** Makes the range streams of a dynalite store close their iterators (again after the store is recreated). */
export function fixDynaliteStore(store) {
  const db = store.db;
  if (!fixed.has(db)) {
    fixed.add(db);
    db.createValueStream = (options) => iteratorStream(db, 'values', options);
    db.createKeyStream = (options) => iteratorStream(db, 'keys', options);
  }
  // A server closed and listened to again recreates its store (a new database): fix that one too.
  const recreate = store.recreate;
  if (!fixed.has(recreate)) {
    const fixedRecreate = function (...args) {
      recreate.apply(this, args);
      fixDynaliteStore(this);
    };
    fixed.add(fixedRecreate);
    store.recreate = fixedRecreate;
  }
  return store;
}

/**
 * Counts the open resources (iterators) of a store's current database, for probes and tests: abstract-level
 * attaches every iterator to its database when made and detaches it when closed. Returns the counter.
 */
export function countOpenResources(store) {
  const open = new Set();
  const { db } = store;
  const attach = db.attachResource.bind(db);
  const detach = db.detachResource.bind(db);
  db.attachResource = (resource) => {
    open.add(resource);
    attach(resource);
  };
  db.detachResource = (resource) => {
    open.delete(resource);
    detach(resource);
  };
  return () => open.size;
}

/** The errors abstract-level gives for an iterator or database that was closed. */
const CLOSED = new Set(['LEVEL_ITERATOR_NOT_OPEN', 'LEVEL_DATABASE_NOT_OPEN']);

/**
 * A DynamoDB-shaped error for a failed read: dynalite answers an error with a status code, and throws any
 * other (an uncaught exception).
 */
function readError(cause) {
  return Object.assign(new Error(`The local database could not read: ${cause?.message ?? cause}`), {
    cause,
    statusCode: 500,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: 'The local database failed to read; try again.',
    },
  });
}

/** An object-mode stream of `db.values(options)` or `db.keys(options)` that always closes its iterator. */
function iteratorStream(db, kind, options) {
  let iterator;
  let reading = false;
  const stream = new Readable({
    objectMode: true,
    read() {
      if (reading || iterator === undefined) return;
      reading = true;
      iterator.nextv(BATCH).then(
        (items) => {
          reading = false;
          if (this.destroyed) return;
          // The end: pushing null ends the stream, and ending destroys it (autoDestroy), which closes the iterator.
          if (items.length === 0) this.push(null);
          else for (const item of items) this.push(item);
        },
        (error) => {
          reading = false;
          fail(this, kind, error);
        },
      );
    },
    destroy(error, callback) {
      // close() waits for a read under way; after it, nothing reads again (a destroyed stream is not read).
      const closing = iterator === undefined ? Promise.resolve() : iterator.close();
      closing.then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
  try {
    iterator = kind === 'values' ? db.values(options) : db.keys(options);
  } catch (error) {
    process.nextTick(fail, stream, kind, error);
  }
  return stream;
}

function fail(stream, kind, error) {
  if (stream.destroyed) return;
  // The database closed under a key stream: its server is stopping, and an error would reach dynalite's
  // key-stream wrapper, which has no error listener (an uncaught exception): stop quietly.
  if (kind === 'keys' && CLOSED.has(error?.code)) stream.destroy();
  else stream.destroy(readError(error));
}

const SIZES_FIXED = Symbol('feedbucket.utf8-sizes');
const PARTITION_KEY_BYTES = 2048;
const SORT_KEY_BYTES = 1024;
const INVALID = 'One or more parameter values were invalid: ';

const utf8Extra = (s) => Buffer.byteLength(s, 'utf8') - s.length;

/** How many more bytes than UTF-16 units the strings of a map of attribute values take (names included). */
function mapExtra(map) {
  let extra = 0;
  for (const [name, value] of Object.entries(map)) extra += utf8Extra(name) + valueExtra(value);
  return extra;
}

function valueExtra(value) {
  if (value.S !== undefined) return utf8Extra(value.S);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8Extra(s), 0);
  if (value.L !== undefined) return value.L.reduce((sum, v) => sum + valueExtra(v), 0);
  if (value.M !== undefined) return mapExtra(value.M);
  return 0;
}

/** DynamoDB's error for a string key value over its limit, or undefined. */
function keyError(value, isHash, index) {
  if (value?.S === undefined) return undefined;
  const bytes = Buffer.byteLength(value.S, 'utf8');
  const max = isHash ? PARTITION_KEY_BYTES : SORT_KEY_BYTES;
  if (bytes <= max) return undefined;
  if (index) {
    return dynaliteDb.validationError(
      `${INVALID}Size limit exceeded for Index Key ${index.attr} Actual Size: ${bytes} bytes Max Size: ${max} bytes IndexName: ${index.name}`,
    );
  }
  return dynaliteDb.validationError(
    isHash
      ? `${INVALID}Size of hashkey has exceeded the maximum size limit of${max} bytes`
      : `${INVALID}Aggregated size of all range keys has exceeded the size limit of ${max} bytes`,
  );
}

/** The key size errors of a table key (or an item's), measured in UTF-8 bytes. */
function tableKeyError(item, keySchema) {
  for (const { AttributeName, KeyType } of keySchema) {
    const error = keyError(item[AttributeName], KeyType === 'HASH');
    if (error) return error;
  }
  return undefined;
}

function indexKeyError(item, table) {
  for (const index of [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])]) {
    for (const { AttributeName, KeyType } of index.KeySchema) {
      const error = keyError(item[AttributeName], KeyType === 'HASH', {
        attr: AttributeName,
        name: index.IndexName,
      });
      if (error) return error;
    }
  }
  return undefined;
}

/**
 * Makes dynalite measure item sizes and key sizes in UTF-8 bytes, as DynamoDB does (see the top of this file).
 * dynalite's own checks run first: a UTF-8 size is never below the UTF-16 one, so they refuse nothing more.
 */
export function fixDynaliteSizes() {
  if (dynaliteDb[SIZES_FIXED]) return;
  dynaliteDb[SIZES_FIXED] = true;
  const { itemSize, validateItem, validateKey, validateKeyPiece } = dynaliteDb;
  // Called by the validations of PutItem and BatchWriteItem, UpdateItem's result and BatchGetItem's answer size.
  dynaliteDb.itemSize = (item, ...rest) => itemSize(item, ...rest) + (rest.length === 0 ? mapExtra(item) : 0);
  dynaliteDb.validateItem = (item, table) =>
    validateItem(item, table) || tableKeyError(item, table.KeySchema) || indexKeyError(item, table);
  dynaliteDb.validateKey = (key, table, keySchema) =>
    validateKey(key, table, keySchema) || tableKeyError(key, keySchema ?? table.KeySchema);
  dynaliteDb.validateKeyPiece = (key, attr, type, isHash) =>
    validateKeyPiece(key, attr, type, isHash) || keyError(key[attr], isHash);
}
