/** Provider feed ids: the domain normalized to a plain host name, and the id read back. */
import { describe, expect, it } from 'vitest';
import { ALL } from '../../../shared/article/model.js';
import {
  isProviderFeed,
  MAX_DOMAIN_LENGTH,
  providerDomain,
  providerFeed,
  providerOfFeed,
} from '../../../shared/article/provider-feed.js';

describe('provider feeds', () => {
  it('normalize the domain: lower case, ASCII form, no trailing dot or spaces', () => {
    expect(providerFeed('Example.COM')).toBe('_p:example.com');
    expect(providerFeed(' news.example.com. ')).toBe('_p:news.example.com');
    expect(providerFeed('Bücher.de')).toBe('_p:xn--bcher-kva.de');
    expect(providerDomain('localhost')).toBe('localhost');
  });

  it('refuse what is not a plain host name', () => {
    for (const bad of [
      '',
      ' ',
      'https://example.com',
      'example.com/news',
      'example.com:8080',
      'user@example.com',
      'exa mple.com',
      '-example.com',
      'example-.com',
      'a..b',
      '_p.com',
      '[::1]',
      'example.com?x',
      'ex%41mple.com',
    ]) {
      expect(providerFeed(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('keep within DNS limits: 63 characters a label, 253 in all', () => {
    const label = 'a'.repeat(63);
    expect(providerDomain(`${label}.com`)).toBe(`${label}.com`);
    expect(providerDomain(`${label}a.com`)).toBeUndefined();
    const longest = [label, label, label, 'a'.repeat(61)].join('.');
    expect(longest.length).toBe(MAX_DOMAIN_LENGTH);
    expect(providerDomain(longest)).toBe(longest);
    expect(providerDomain(`a${longest}`)).toBeUndefined();
  });

  it('read the domain back from a provider feed id, and nothing from other feeds', () => {
    expect(providerOfFeed(providerFeed('Example.com') as string)).toBe('example.com');
    expect(providerOfFeed(ALL)).toBeUndefined();
    expect(providerOfFeed('election')).toBeUndefined();
    // Only the normalized form is a provider feed id.
    expect(providerOfFeed('_p:Example.com')).toBeUndefined();
    expect(isProviderFeed('_p:example.com')).toBe(true);
    expect(isProviderFeed('_p:')).toBe(false);
  });
});
