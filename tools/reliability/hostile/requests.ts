/**
 * A fixed catalogue of hostile HTTP requests for the feeds, as raw request bytes: path traversal, overlong
 * paths and query strings, forged cursors, invalid percent-encoding, bad parameters, odd methods and
 * headers. Each says which answers are right. None may be a 5xx or a dropped connection.
 */
import { requestBytes } from './raw-http.js';

export interface HostileRequest {
  name: string;
  /** The exact bytes sent. */
  bytes: string;
  /** Acceptable statuses. */
  expect: number[];
  /**
   * Malformed at the protocol level: refused by the local server's HTTP layer (`functionUrlServer` in
   * local/function-url.ts: Node's parser errors, CONNECT, a missing Host) with a reason, before the feeds
   * app sees them. In AWS, CloudFront and the function URL answer these.
   */
  protocol?: boolean;
}

export interface RequestContext {
  /** A topic that exists. */
  topic: string;
  /** A real cursor of the all-articles JSON feed (from its next link). */
  cursor: string;
}

const get = (target: string, headers: [string, string][] = []) => requestBytes({ target, headers });

export function hostileRequests(ctx: RequestContext): HostileRequest[] {
  const t = `/topics/${ctx.topic}`;
  const flip = (s: string) => `${s.slice(0, 3)}${s[3] === 'A' ? 'B' : 'A'}${s.slice(4)}`;
  const list: HostileRequest[] = [
    // ---- path traversal ----
    { name: 'dot-dot', bytes: get('/../../../etc/passwd'), expect: [404] },
    { name: 'dot-dot-in-topic', bytes: get(`${t}/../../../etc/passwd`), expect: [404] },
    { name: 'encoded-dot-dot', bytes: get('/topics/%2e%2e/rss.xml'), expect: [404] },
    { name: 'encoded-slashes', bytes: get('/topics/..%2F..%2Fetc%2Fpasswd/rss.xml'), expect: [301, 404] },
    { name: 'double-encoded', bytes: get('/topics/%252e%252e%252fetc/rss.xml'), expect: [301, 404] },
    { name: 'backslashes', bytes: get('/..\\..\\windows\\win.ini'), expect: [400, 404] },
    { name: 'double-slash', bytes: get('//etc/passwd'), expect: [404] },
    { name: 'nul-in-topic', bytes: get(`${t}%00/rss.xml`), expect: [301, 404] },
    { name: 'feed-file-traversal', bytes: get(`${t}/rss.xml/../../..`), expect: [404] },
    { name: 'matrix-params', bytes: get(`${t}/rss.xml;jsessionid=1`), expect: [404] },
    { name: 'absolute-form', bytes: get('http://evil.example/rss.xml'), expect: [200, 400, 404] },
    {
      name: 'asterisk-form',
      bytes: requestBytes({ method: 'OPTIONS', target: '*' }),
      expect: [400, 404, 405],
    },
    // ---- overlong ----
    { name: 'long-topic', bytes: get(`/topics/${'a'.repeat(8000)}/rss.xml`), expect: [301, 404] },
    { name: 'many-segments', bytes: get(`/${'a/'.repeat(4000)}`), expect: [404] },
    {
      name: 'merge-1000',
      bytes: get(`/topics/${Array.from({ length: 1000 }, (_, i) => `t${i}`).join(',')}`),
      expect: [400],
    },
    {
      name: 'merge-20-unknown',
      bytes: get(`/topics/${Array.from({ length: 20 }, (_, i) => `u${i}`).join(',')}/rss.xml`),
      expect: [301, 404],
    },
    { name: 'path-60k', bytes: get(`/topics/${'b'.repeat(60_000)}`), expect: [431], protocol: true },
    { name: 'query-12k', bytes: get(`/rss.xml?${'x=1&'.repeat(3000)}`), expect: [200] },
    {
      name: 'query-60k',
      bytes: get(`/rss.xml?q=${'y'.repeat(60_000)}`),
      expect: [431],
      protocol: true,
    },
    { name: 'limit-5000-digits', bytes: get(`/rss.xml?limit=${'9'.repeat(5000)}`), expect: [400] },
    // ---- cursors ----
    { name: 'cursor-garbage', bytes: get('/feed.json?cursor=abc'), expect: [400] },
    { name: 'cursor-empty', bytes: get('/feed.json?cursor='), expect: [400] },
    {
      name: 'cursor-bad-mac',
      bytes: get('/feed.json?cursor=MS4yMDIxLTAzLTE0VDAxOjI3OjU0LjAwMFojeA.AAAAAAAAAAAAAAAA'),
      expect: [400],
    },
    { name: 'cursor-tampered', bytes: get(`/feed.json?cursor=${flip(ctx.cursor)}`), expect: [400] },
    { name: 'cursor-other-feed', bytes: get(`${t}/feed.json?cursor=${ctx.cursor}`), expect: [400] },
    {
      name: 'cursor-long',
      bytes: get(`/feed.json?cursor=${'A'.repeat(5000)}.${'B'.repeat(16)}`),
      expect: [400],
    },
    { name: 'cursor-traversal', bytes: get('/feed.json?cursor=..%2F..%2Fetc'), expect: [400] },
    {
      name: 'cursor-script',
      bytes: get('/feed.json?cursor=%3Cscript%3Ealert(1)%3C/script%3E'),
      expect: [400],
    },
    // ---- percent-encoding ----
    { name: 'truncated-escape', bytes: get('/topics/%E0%A4%A/rss.xml'), expect: [400] },
    { name: 'bare-percent', bytes: get('/topics/%/rss.xml'), expect: [400] },
    { name: 'overlong-utf8', bytes: get('/topics/%C0%AF/rss.xml'), expect: [400] },
    { name: 'unicode-escape', bytes: get('/topics/%uFF1C/rss.xml'), expect: [400] },
    { name: 'lone-surrogate', bytes: get('/topics/%ED%A0%80/rss.xml'), expect: [400] },
    { name: 'bad-escape-query', bytes: get('/rss.xml?limit=%ZZ'), expect: [400] },
    { name: 'raw-utf8-bytes', bytes: get('/topics/caf\u00e9/rss.xml'), expect: [400], protocol: true },
    // ---- parameters ----
    ...['0', '-1', '201', '1e3', '1.5', 'abc', '', ' 5', '0x10', '\u0663', '99999999999'].map((v) => ({
      name: `limit ${JSON.stringify(v)}`,
      bytes: get(`/rss.xml?limit=${encodeURIComponent(v)}`),
      expect: [400],
    })),
    { name: 'limit-twice', bytes: get('/rss.xml?limit=1&limit=abc'), expect: [200, 400] },
    { name: 'opml-format-traversal', bytes: get('/feeds.opml?format=../../x'), expect: [400] },
    { name: 'opml-format-script', bytes: get('/feeds.opml?format=%3Cscript%3E'), expect: [400] },
    // ---- methods ----
    ...['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'MKCOL', 'PURGE'].map((method) => ({
      name: `method ${method}`,
      bytes: requestBytes({ method, target: '/rss.xml', body: method === 'POST' ? '<x/>' : undefined }),
      expect: [405],
    })),
    { name: 'method TRACE', bytes: requestBytes({ method: 'TRACE', target: '/rss.xml' }), expect: [405] },
    {
      name: 'method CONNECT',
      bytes: requestBytes({ method: 'CONNECT', target: 'evil.example:443' }),
      expect: [405],
      protocol: true,
    },
    {
      name: 'method lower-case',
      bytes: requestBytes({ method: 'get', target: '/rss.xml' }),
      expect: [400],
      protocol: true,
    },
    {
      name: 'method invented',
      bytes: requestBytes({ method: 'FOO', target: '/rss.xml' }),
      expect: [400, 405],
      protocol: true,
    },
    // ---- headers ----
    {
      name: 'no-host',
      bytes: requestBytes({ target: '/rss.xml', host: null }),
      expect: [400],
      protocol: true,
    },
    {
      name: 'host-markup',
      bytes: requestBytes({ target: '/rss.xml', host: 'evil.example"><script>' }),
      expect: [200, 400],
    },
    {
      name: 'forwarded-host-markup',
      bytes: get('/rss.xml', [['X-Forwarded-Host', '<script>alert(1)</script>']]),
      expect: [200, 400],
    },
    { name: 'if-none-match-star', bytes: get('/rss.xml', [['If-None-Match', '*']]), expect: [304] },
    {
      name: 'if-none-match-8k',
      bytes: get('/rss.xml', [['If-None-Match', `"${'x'.repeat(8000)}"`]]),
      expect: [200],
    },
    {
      name: 'if-none-match-many',
      bytes: get('/rss.xml', [
        ['If-None-Match', Array.from({ length: 500 }, (_, i) => `W/"${i}"`).join(', ')],
      ]),
      expect: [200],
    },
    {
      name: 'if-modified-since-garbage',
      bytes: get('/rss.xml', [['If-Modified-Since', 'yesterday <script>']]),
      expect: [200],
    },
    {
      name: 'if-modified-since-far',
      bytes: get('/rss.xml', [['If-Modified-Since', 'Sat, 13 Sep 275760 00:00:00 GMT']]),
      expect: [200, 304],
    },
    {
      name: 'accept-encoding-odd',
      bytes: get('/rss.xml', [['Accept-Encoding', 'br;q=NaN, gzip;q=-1, *;q=1e999, x;q=']]),
      expect: [200],
    },
    {
      name: 'accept-encoding-5k',
      bytes: get('/rss.xml', [['Accept-Encoding', 'gzip, '.repeat(800)]]),
      expect: [200],
    },
    {
      name: 'range',
      bytes: get('/rss.xml', [['Range', 'bytes=0-1,-5,999999999-']]),
      expect: [200, 206, 416],
    },
    {
      name: 'headers-20k',
      bytes: get('/rss.xml', [['Cookie', 'c'.repeat(20_000)]]),
      expect: [431],
      protocol: true,
    },
    { name: 'header-cr', bytes: get('/rss.xml', [['X-Test', 'a\rb']]), expect: [400], protocol: true },
    {
      name: 'header-no-colon',
      bytes: get('/rss.xml', [['X-Broken', '']]).replace('X-Broken: ', 'X-Broken'),
      expect: [400],
      protocol: true,
    },
    {
      name: 'smuggling',
      bytes: `GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      expect: [400],
      protocol: true,
    },
    {
      name: 'negative-length',
      bytes: `GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`,
      expect: [400],
      protocol: true,
    },
    // Node reads a request line without a version as HTTP/0.9 and hands it on: the feeds app answers it.
    { name: 'http-0.9', bytes: 'GET /rss.xml\r\n\r\n', expect: [200, 400] },
    {
      name: 'http-2-preface',
      bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      expect: [400],
      protocol: true,
    },
    {
      name: 'binary-garbage',
      bytes: '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003',
      expect: [400],
      protocol: true,
    },
  ];
  return list;
}
