/** The provider and top-stories URL space: canonical domains (lower case, ASCII), redirects, refusals. */
import { describe, expect, it } from 'vitest';
import { ALL } from '../../../shared/article/model.js';
import { parseAnyRoute, parseTailoredRoute, topFeedPath } from '../../../shared/feeds/tailored-routes.js';

describe('provider and top routes', () => {
  it('parses provider pages and feeds by their normalized domain', () => {
    expect(parseTailoredRoute('/providers/cnn.com')).toEqual({
      kind: 'provider-page',
      domain: 'cnn.com',
      feed: '_p:cnn.com',
    });
    expect(parseTailoredRoute('/providers/bbc.co.uk/atom.xml')).toEqual({
      kind: 'provider-feed',
      format: 'atom',
      domain: 'bbc.co.uk',
      feed: '_p:bbc.co.uk',
    });
    expect(parseTailoredRoute('/providers.json')).toEqual({ kind: 'providers-json' });
  });

  it('redirects other spellings to the canonical one', () => {
    expect(parseTailoredRoute('/providers/CNN.com/feed.json')).toEqual({
      kind: 'redirect',
      path: '/providers/cnn.com/feed.json',
    });
    expect(parseTailoredRoute('/providers/B%C3%BCcher.de')).toEqual({
      kind: 'redirect',
      path: '/providers/xn--bcher-kva.de',
    });
    expect(parseTailoredRoute('/providers/cnn.com./rss.xml')).toEqual({
      kind: 'redirect',
      path: '/providers/cnn.com/rss.xml',
    });
    expect(parseTailoredRoute('/providers')).toEqual({ kind: 'redirect', path: '/' });
  });

  it('refuses what names no provider or no feed', () => {
    for (const path of [
      '/providers/http%3A%2F%2Fcnn.com',
      '/providers/%E0%A4%A',
      '/providers/cnn.com/index.html',
      '/providers/cnn.com/rss.xml/more',
      `/providers/${'a'.repeat(300)}.com`,
      '/top/index.html',
      '/topics/a,b/top/rss.xml',
    ]) {
      expect(parseTailoredRoute(path)?.kind, path).toBe('not-found');
    }
  });

  it('parses top stories of all articles and of one topic, canonical slugs only', () => {
    expect(parseTailoredRoute('/top/rss.xml')).toEqual({ kind: 'top-feed', format: 'rss', feed: ALL });
    expect(parseTailoredRoute('/topics/election/top/feed.json')).toEqual({
      kind: 'top-feed',
      format: 'json',
      feed: 'election',
    });
    expect(parseTailoredRoute('/topics/%E6%9D%B1%E4%BA%AC/top/atom.xml')).toMatchObject({ feed: '東京' });
    expect(parseTailoredRoute('/topics/Election/top/rss.xml')).toEqual({
      kind: 'redirect',
      path: topFeedPath('election', 'rss'),
    });
  });

  it('leaves every other path to the topic routes', () => {
    expect(parseTailoredRoute('/topics/election/rss.xml')).toBeUndefined();
    expect(parseAnyRoute('/topics/election/rss.xml')).toEqual({
      kind: 'feed',
      format: 'rss',
      feeds: ['election'],
    });
    expect(parseAnyRoute('/')).toEqual({ kind: 'index' });
  });
});
