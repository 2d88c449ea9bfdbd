/**
 * The store contract: one suite, run against the in-memory fake and the DynamoDB adapter on dynalite (free
 * port), so the fake the unit tests use cannot drift from the real thing. Its parts are in
 * test/support/store-contract/; the last case checks that every method of the stores was called.
 */
import { describe, expect, it } from 'vitest';
import { DynamoStore } from '../../../shared/store/dynamodb.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { bothStores, type Store } from '../../support/both-stores.js';
import { articleCases } from '../../support/store-contract/articles.js';
import { freshName } from '../../support/store-contract/context.js';
import { entryCases } from '../../support/store-contract/entries.js';
import { feedMetaCases } from '../../support/store-contract/feed-meta.js';
import { fileCases } from '../../support/store-contract/files.js';

const { stores } = bothStores('store-contract');

/** The public methods of a store class (what the interfaces it implements ask for). */
const methodsOf = (cls: { prototype: object }) =>
  Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== 'constructor' && !m.startsWith('_'));

describe.each(stores)('the store contract: %s', (_name, makeStore) => {
  const called = new Set<string>();
  /** The store, with the methods called recorded. */
  const store = (): Store =>
    new Proxy(makeStore(), {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        called.add(String(property));
        return value.bind(target);
      },
    });
  const context = { store, fresh: freshName };
  fileCases(context);
  articleCases(context);
  entryCases(context);
  feedMetaCases(context);

  it('called every method of the store', () => {
    const dynamo = methodsOf(DynamoStore);
    expect(dynamo.sort()).toEqual(
      methodsOf(MemoryStore)
        .filter((m) => dynamo.includes(m))
        .sort(),
    );
    expect(dynamo.filter((m) => !called.has(m))).toEqual([]);
  });
});
