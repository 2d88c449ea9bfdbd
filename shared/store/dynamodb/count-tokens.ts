/**
 * The tokens that make a feed's count change apply once however often the SDK sends it (see
 * TopicItems.touchTopic). A change writes its token as an attribute of its own (`w_<random>`, valued with the
 * second it was written) in the request that changes the count, on the condition that it is not there yet.
 * A token is needed only while that request may still be sent again, so once the call is over its token is
 * removed by the next change of the same feed this process makes: a REMOVE in that change's own request, which
 * writes nothing more (a string set could not take one token and lose another in one request: DynamoDB refuses
 * two actions on one path). A token its process never removed (the process ended first) is removed, once older
 * than TOKEN_HORIZON_S, by a later change of this or any process that sees it in the item it gets back; so an
 * item holds the tokens of calls in flight and of each process's last changes, a few dozen bytes each.
 */
import { randomBytes } from 'node:crypto';
import type { Item } from './table.js';

/** The names of token attributes start with it; no other attribute's does. */
export const TOKEN_PREFIX = 'w_';
/**
 * Age after which nothing can send a token's request again: far beyond a call's attempts (an SDK budget of
 * seconds, see shared/limits.ts) and any function's run (15 minutes at most in Lambda).
 */
export const TOKEN_HORIZON_S = 15 * 60;
/** Most tokens one change removes (more wait for the next change): keeps its request small. */
export const MAX_REMOVED_TOKENS = 50;

/** A change's token and the tokens its request removes. */
export interface TokenTake {
  name: string;
  /** When it was written (seconds since the epoch). */
  at: number;
  removed: string[];
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token unique to one call (96 random bits in 16 characters; an entry's creation token `c` too). */
export const newToken = (): string => randomBytes(12).toString('base64url');

/** One process's tokens of calls that are over, by feed: the next change of that feed removes them. */
export class CountTokens {
  private readonly over = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = nowSeconds) {}

  /** A new token for a change of `slug` (none when the change counts nothing) and the tokens it removes. */
  take(slug: string, counts: boolean): { token?: Omit<TokenTake, 'removed'>; removed: string[] } {
    const set = this.over.get(slug);
    const removed = set ? [...set].slice(0, MAX_REMOVED_TOKENS) : [];
    for (const name of removed) set?.delete(name);
    if (set?.size === 0) this.over.delete(slug);
    const token = counts ? { name: `${TOKEN_PREFIX}${newToken()}`, at: this.now() } : undefined;
    return { token, removed };
  }

  /**
   * The call of a change is over. Its token goes (no attempt of its request follows); so do the tokens older
   * than the horizon in the item it got back. When the request may not have been applied (`applied` false), the
   * tokens it was to remove are removed by a later change instead.
   */
  settle(slug: string, take: { token?: { name: string }; removed: string[] }, applied: boolean, item?: Item) {
    const later = applied ? [] : take.removed;
    const stale = item ? this.staleIn(item, take) : [];
    const names = [...(take.token ? [take.token.name] : []), ...later, ...stale];
    if (names.length === 0) return;
    const set = this.over.get(slug) ?? new Set<string>();
    for (const name of names) set.add(name);
    this.over.set(slug, set);
  }

  /** The tokens in an item older than the horizon, but those the request just removed or wrote. */
  private staleIn(item: Item, take: { token?: { name: string }; removed: string[] }): string[] {
    const oldest = this.now() - TOKEN_HORIZON_S;
    return Object.entries(item)
      .filter(
        ([name, value]) =>
          name.startsWith(TOKEN_PREFIX) &&
          name !== take.token?.name &&
          !take.removed.includes(name) &&
          Number(value.N ?? oldest) < oldest,
      )
      .map(([name]) => name);
  }
}
