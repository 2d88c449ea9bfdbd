import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalLink, httpHref, httpUrl, imageMimeType, uuidV5 } from '../../../shared/links.js';

describe('links', () => {
  it('uuidV5 follows RFC 4122 (checked against uuid.uuid5 of Python)', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_URL, 'https://example.com/')
    expect(uuidV5('https://example.com/')).toBe('dd2c1780-811a-5296-81c5-178a0ef488bc');
  });

  it('httpHref accepts absolute http(s) URLs only, and what it returns always parses', () => {
    expect(httpHref('https://cdn.example.com/a/b.jpg?w=1&h=2')).toBe(
      'https://cdn.example.com/a/b.jpg?w=1&h=2',
    );
    expect(httpHref('HTTPS://Example.COM')).toBe('https://example.com/');
    expect(httpHref('http://1.2.3.999/')).toBeUndefined();
    expect(httpHref('javascript:alert(1)')).toBeUndefined();
    expect(httpHref('/relative')).toBeUndefined();
    expect(httpHref('ftp://example.com/')).toBeUndefined();
    fc.assert(
      fc.property(
        fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()),
        (raw) => {
          const href = httpHref(raw);
          if (href !== undefined) {
            expect(() => new URL(href)).not.toThrow();
            expect(href).toMatch(/^https?:\/\//);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('canonicalLink drops fragments and tracking parameters only', () => {
    const url = httpUrl('https://example.com/a?id=7&utm_medium=rss&fbclid=x#comments') as URL;
    expect(canonicalLink(url)).toBe('https://example.com/a?id=7');
  });

  it('imageMimeType reads the extension of the path, not of the query', () => {
    expect(imageMimeType('https://x.example/a.JPG?v=2')).toBe('image/jpeg');
    expect(imageMimeType('https://x.example/r/?i=1.png')).toBeUndefined();
    expect(imageMimeType('https://x.example/a.webp')).toBe('image/webp');
  });
});
