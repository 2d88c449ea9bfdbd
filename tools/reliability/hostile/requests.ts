/**
 * A fixed catalogue of hostile HTTP requests for the feeds, as raw request bytes: path traversal, overlong
 * paths and query strings, forged cursors, invalid percent-encoding, bad parameters, odd methods and
 * headers. Each says which answers are right. None may be a 5xx or a dropped connection.
 */
export interface HostileRequest {
  name: string;
  /** The exact bytes sent. */
  bytes: string;
  expect: number[];
  /**
   * Malformed at the protocol level: refused by the local server's HTTP layer (`functionUrlServer` in
   * local/function-url.ts: Node's parser errors, CONNECT, a missing Host) with a reason, before the feeds
   * app sees them. In AWS, CloudFront and the function URL answer these.
   */
  protocol?: boolean;
}

const HOST = 'Host: feeds.example.org';

/** A request as bytes: the request line, these header lines, `Connection: close`, then the body if any. */
function request(method: string, target: string, headers = [HOST], body?: string): string {
  const lines = [`${method} ${target} HTTP/1.1`, ...headers, 'Connection: close'];
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}
const get = (target: string) => request('GET', target);
const header = (name: string, value: string) => request('GET', '/rss.xml', [HOST, `${name}: ${value}`]);
/** `n` topic names joined for a merged feed: `t0,t1,…`. */
const topics = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');
const method = (method: string, target = '/rss.xml', body?: string) => request(method, target, [HOST], body);

/** `topic`: a topic that exists; `cursor`: a real cursor of the all-articles JSON feed (from its next link). */
export function hostileRequests(ctx: { topic: string; cursor: string }): HostileRequest[] {
  const t = `/topics/${ctx.topic}`;
  const flip = (s: string) => `${s.slice(0, 3)}${s[3] === 'A' ? 'B' : 'A'}${s.slice(4)}`;
  const list: HostileRequest[] = [];
  /** A request the feeds app answers with one of `expect`. */
  const app = (name: string, bytes: string, ...expect: number[]) => list.push({ name, bytes, expect });
  /** A request malformed at the protocol level, refused by the HTTP layer with one of `expect`. */
  const protocol = (name: string, bytes: string, ...expect: number[]) =>
    list.push({ name, bytes, expect, protocol: true });

  // ---- path traversal ----
  app('dot-dot', get('/../../../etc/passwd'), 404);
  app('dot-dot-in-topic', get(`${t}/../../../etc/passwd`), 404);
  app('encoded-dot-dot', get('/topics/%2e%2e/rss.xml'), 404);
  app('encoded-slashes', get('/topics/..%2F..%2Fetc%2Fpasswd/rss.xml'), 301, 404);
  app('double-encoded', get('/topics/%252e%252e%252fetc/rss.xml'), 301, 404);
  app('backslashes', get('/..\\..\\windows\\win.ini'), 400, 404);
  app('double-slash', get('//etc/passwd'), 404);
  app('nul-in-topic', get(`${t}%00/rss.xml`), 301, 404);
  app('feed-file-traversal', get(`${t}/rss.xml/../../..`), 404);
  app('matrix-params', get(`${t}/rss.xml;jsessionid=1`), 404);
  app('absolute-form', get('http://evil.example/rss.xml'), 200, 400, 404);
  app('asterisk-form', method('OPTIONS', '*'), 400, 404, 405);
  // ---- overlong ----
  app('long-topic', get(`/topics/${'a'.repeat(8000)}/rss.xml`), 301, 404);
  app('many-segments', get(`/${'a/'.repeat(4000)}`), 404);
  app('merge-1000', get(`/topics/${topics(1000, 't')}`), 400);
  app('merge-20-unknown', get(`/topics/${topics(20, 'u')}/rss.xml`), 301, 404);
  protocol('path-60k', get(`/topics/${'b'.repeat(60_000)}`), 431);
  app('query-12k', get(`/rss.xml?${'x=1&'.repeat(3000)}`), 200);
  protocol('query-60k', get(`/rss.xml?q=${'y'.repeat(60_000)}`), 431);
  app('limit-5000-digits', get(`/rss.xml?limit=${'9'.repeat(5000)}`), 400);
  // ---- cursors ----
  app('cursor-garbage', get('/feed.json?cursor=abc'), 400);
  app('cursor-empty', get('/feed.json?cursor='), 400);
  const badMac = 'MS4yMDIxLTAzLTE0VDAxOjI3OjU0LjAwMFojeA.AAAAAAAAAAAAAAAA';
  app('cursor-bad-mac', get(`/feed.json?cursor=${badMac}`), 400);
  app('cursor-tampered', get(`/feed.json?cursor=${flip(ctx.cursor)}`), 400);
  app('cursor-other-feed', get(`${t}/feed.json?cursor=${ctx.cursor}`), 400);
  app('cursor-long', get(`/feed.json?cursor=${'A'.repeat(5000)}.${'B'.repeat(16)}`), 400);
  app('cursor-traversal', get('/feed.json?cursor=..%2F..%2Fetc'), 400);
  app('cursor-script', get('/feed.json?cursor=%3Cscript%3Ealert(1)%3C/script%3E'), 400);
  // ---- percent-encoding ----
  app('truncated-escape', get('/topics/%E0%A4%A/rss.xml'), 400);
  app('bare-percent', get('/topics/%/rss.xml'), 400);
  app('overlong-utf8', get('/topics/%C0%AF/rss.xml'), 400);
  app('unicode-escape', get('/topics/%uFF1C/rss.xml'), 400);
  app('lone-surrogate', get('/topics/%ED%A0%80/rss.xml'), 400);
  app('bad-escape-query', get('/rss.xml?limit=%ZZ'), 400);
  protocol('raw-utf8-bytes', get('/topics/caf\u00e9/rss.xml'), 400);
  // ---- parameters ----
  for (const v of ['0', '-1', '201', '1e3', '1.5', 'abc', '', ' 5', '0x10', '\u0663', '99999999999'])
    app(`limit ${JSON.stringify(v)}`, get(`/rss.xml?limit=${encodeURIComponent(v)}`), 400);
  app('limit-twice', get('/rss.xml?limit=1&limit=abc'), 200, 400);
  app('opml-format-traversal', get('/feeds.opml?format=../../x'), 400);
  app('opml-format-script', get('/feeds.opml?format=%3Cscript%3E'), 400);
  // ---- methods ----
  for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'MKCOL', 'PURGE'])
    app(`method ${m}`, method(m, '/rss.xml', m === 'POST' ? '<x/>' : undefined), 405);
  app('method TRACE', method('TRACE'), 405);
  protocol('method CONNECT', method('CONNECT', 'evil.example:443'), 405);
  protocol('method lower-case', method('get'), 400);
  protocol('method invented', method('FOO'), 400, 405);
  // ---- headers ----
  protocol('no-host', request('GET', '/rss.xml', []), 400);
  app('host-markup', request('GET', '/rss.xml', ['Host: evil.example"><script>']), 200, 400);
  app('forwarded-host-markup', header('X-Forwarded-Host', '<script>alert(1)</script>'), 200, 400);
  app('if-none-match-star', header('If-None-Match', '*'), 304);
  app('if-none-match-8k', header('If-None-Match', `"${'x'.repeat(8000)}"`), 200);
  const etags = Array.from({ length: 500 }, (_, i) => `W/"${i}"`).join(', ');
  app('if-none-match-many', header('If-None-Match', etags), 200);
  app('if-modified-since-garbage', header('If-Modified-Since', 'yesterday <script>'), 200);
  app('if-modified-since-far', header('If-Modified-Since', 'Sat, 13 Sep 275760 00:00:00 GMT'), 200, 304);
  app('accept-encoding-odd', header('Accept-Encoding', 'br;q=NaN, gzip;q=-1, *;q=1e999, x;q='), 200);
  app('accept-encoding-5k', header('Accept-Encoding', 'gzip, '.repeat(800)), 200);
  app('range', header('Range', 'bytes=0-1,-5,999999999-'), 200, 206, 416);
  protocol('headers-20k', header('Cookie', 'c'.repeat(20_000)), 431);
  protocol('header-cr', header('X-Test', 'a\rb'), 400);
  protocol('header-no-colon', request('GET', '/rss.xml', [HOST, 'X-Broken']), 400);
  const smuggling = 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n';
  protocol('smuggling', `GET /rss.xml HTTP/1.1\r\nHost: x\r\n${smuggling}`, 400);
  protocol('negative-length', request('GET', '/rss.xml', ['Host: x', 'Content-Length: -1']), 400);
  // Node reads a request line without a version as HTTP/0.9 and hands it on: the feeds app answers it.
  app('http-0.9', 'GET /rss.xml\r\n\r\n', 200, 400);
  protocol('http-2-preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400);
  protocol('binary-garbage', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003', 400);
  return list;
}
