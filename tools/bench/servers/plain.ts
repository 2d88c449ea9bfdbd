/**
 * The floor for any Node server: a plain `http` server answering from memory with bytes fixed in advance.
 * Child process: `node --import tsx tools/bench/servers/plain.ts <fixture.json>`; prints its URL when ready.
 * The fixture holds the body and headers captured from the feeds server, so both send the identical bytes.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, onStop } from '../../lib/procs.js';

export interface Fixture {
  /** Headers of the full answer, all but the connection's own. */
  headers: Record<string, string>;
  /** The body, base64. */
  body: string;
}

const fixture = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Fixture;
const body = Buffer.from(fixture.body, 'base64');
const full = { ...fixture.headers, 'content-length': String(body.length) };
const { etag } = fixture.headers;
// A 304 carries the validators and caching headers of the 200 (RFC 9110 §15.4.5), as the feeds' does.
const kept = ['etag', 'last-modified', 'cache-control', 'vary'].filter((k) => k in fixture.headers);
const notModified = Object.fromEntries(kept.map((name) => [name, fixture.headers[name] as string]));

const server = createServer((req, res) => {
  if (etag !== undefined && req.headers['if-none-match'] === etag) res.writeHead(304, notModified).end();
  else res.writeHead(200, full).end(body);
});
await once(server.listen(0, '127.0.0.1'), 'listening');
announce('ready', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
onStop(() => server.closeAllConnections());
