/**
 * nginx (Debian: `apt-get install nginx`) serving the identical bytes as a static file: the limit of this
 * machine for the serving baselines. One worker process, like the single-threaded Node servers it is
 * compared with; access log off; keep-alive without a request cap (Node's default).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Child, freePort, startChild, which } from '../../lib/procs.js';
import type { Fixture } from '../servers/plain.js';

export const NGINX_HINT =
  'nginx is not installed (Debian: apt-get install nginx-light); its baseline is skipped';

export const findNginx = () => (process.env.BENCH_NO_NGINX ? undefined : which('nginx'));

/** Starts nginx serving the fixture's body at `/feed` with the fixture's content type and cache headers. */
export async function startNginx(
  binary: string,
  fixture: Fixture,
  dir: string,
): Promise<Child<{ url: string }>> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'feed'), Buffer.from(fixture.body, 'base64'));
  const port = await freePort();
  const type = fixture.headers['content-type'] ?? 'application/octet-stream';
  const cacheControl = fixture.headers['cache-control'];
  // Run by root, nginx's workers would switch to an unprivileged user that cannot read the temp folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const conf = `
${user}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 65;
  etag on;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location = /feed {
      types { }
      default_type "${type}";
      ${cacheControl ? `add_header Cache-Control "${cacheControl}";` : ''}
      alias ${dir}/feed;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const url = `http://127.0.0.1:${port}/feed`;
  try {
    return await startChild<{ url: string }>(
      binary,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs/error.log')],
      {
        timeoutMs: 10_000,
        probe: async () => ((await fetch(url)).ok ? { url } : undefined),
      },
    );
  } catch (error) {
    const log = await readFile(join(dir, 'logs/error.log'), 'utf8').catch(() => '');
    throw new Error(`nginx did not start: ${(error as Error).message.split('\n')[0]}\n${log.slice(-1000)}`);
  }
}
