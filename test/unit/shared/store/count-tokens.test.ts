/**
 * One process's count tokens (the DynamoDB adapter's count-tokens.ts): which tokens a change's request removes,
 * given how the calls before it ended and what items they got back.
 */
import { describe, expect, it } from 'vitest';
import {
  CountTokens,
  MAX_REMOVED_TOKENS,
  TOKEN_HORIZON_S,
  TOKEN_PREFIX,
} from '../../../../shared/store/dynamodb/count-tokens.js';

const NOW = 1_800_000_000;
const at = (ageS: number) => ({ N: String(NOW - ageS) });

describe('count tokens', () => {
  it('a change writes a new token, and none when it counts nothing', () => {
    const tokens = new CountTokens(() => NOW);
    const a = tokens.take('t', true);
    const b = tokens.take('t', true);
    expect(a.token?.name).toMatch(new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{16}$`));
    expect(a.token?.at).toBe(NOW);
    expect(b.token?.name).not.toBe(a.token?.name);
    expect(tokens.take('t', false).token).toBeUndefined();
  });

  it('removes the tokens of calls that are over, of that feed only, each once', () => {
    const tokens = new CountTokens(() => NOW);
    const a = tokens.take('t', true);
    const other = tokens.take('u', true);
    const inFlight = tokens.take('t', true);
    tokens.settle('t', a, true);
    tokens.settle('u', other, true);
    const next = tokens.take('t', true);
    expect(next.removed).toEqual([a.token?.name]);
    expect(next.removed).not.toContain(inFlight.token?.name);
    expect(tokens.take('t', true).removed).toEqual([]);
  });

  it('a request that may not have been applied leaves its removals to the next change', () => {
    const tokens = new CountTokens(() => NOW);
    const a = tokens.take('t', true);
    tokens.settle('t', a, true);
    const failed = tokens.take('t', true);
    tokens.settle('t', failed, false);
    expect(tokens.take('t', true).removed.sort()).toEqual([a.token?.name, failed.token?.name].sort());
  });

  it('removes tokens older than the horizon seen in an item, never younger ones', () => {
    const tokens = new CountTokens(() => NOW);
    const a = tokens.take('t', true);
    const item = {
      [`${TOKEN_PREFIX}old`]: at(TOKEN_HORIZON_S + 1),
      [`${TOKEN_PREFIX}young`]: at(TOKEN_HORIZON_S - 1),
      [a.token?.name as string]: at(0),
      count: { N: '3' },
    };
    tokens.settle('t', a, true, item);
    expect(tokens.take('t', true).removed.sort()).toEqual([`${TOKEN_PREFIX}old`, a.token?.name].sort());
  });

  it('removes at most MAX_REMOVED_TOKENS in one request, the rest in the next', () => {
    const tokens = new CountTokens(() => NOW);
    const takes = Array.from({ length: MAX_REMOVED_TOKENS + 3 }, () => tokens.take('t', true));
    for (const t of takes) tokens.settle('t', t, true);
    expect(tokens.take('t', false).removed).toHaveLength(MAX_REMOVED_TOKENS);
    expect(tokens.take('t', false).removed).toHaveLength(3);
  });
});
