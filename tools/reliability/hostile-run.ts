/**
 * The hostile catalogue against the real local stack (in its own process): the files go in through its S3
 * endpoint and must end as the catalogue says; every hostile request, the raw-protocol ones included, is sent
 * to its HTTP port; its pages are opened in Chromium. Also times the catalogue and the properties through the
 * in-memory cores, for the figures.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { type BrowserResult, checkPages } from './browser.js';
import { corrupted, hostileArticle } from './hostile/arbitraries.js';
import { frontMatter, hostileCatalogue, validFields } from './hostile/catalogue.js';
import { HostileWorld, responseProblems } from './hostile/harness.js';
import { rawRequest, refusalProblem } from './hostile/raw-http.js';
import { hostileRequests } from './hostile/requests.js';
import { REPO_ROOT, startTsx } from './processes.js';

export interface HostileResult {
  catalogue: {
    files: number;
    articles: number;
    rejected: number;
    /** Keys the local S3 endpoint refused outright (with a reason). */
    refusedByS3: number;
    /** Files that did not end as the catalogue says, in the local stack. */
    unexpected: string[];
    /** Objects s3rver wrote outside its folder (keys with `..` segments). */
    outsideDataDir: string[];
    /** Worst time for one file through the ingest core, and which. */
    worstMs: number;
    worstFile: string;
  };
  properties: {
    inputs: number;
    problems: string[];
    threw: number;
    throws: { cause: string; input: string }[];
  };
  requests: {
    sent: number;
    /** Of them, malformed at the protocol level (refused by the local server's HTTP layer). */
    protocol: number;
    /** A status the request must not get, or a refusal without a reason. */
    unexpected: string[];
    status5xx: number;
    dropped: number;
  };
  browser: BrowserResult;
}

interface Ready {
  pid: number;
  urls: { feeds: string };
  ports: { http: number };
  states: Record<string, string>;
  outsideDataDir: string[];
}

/** The catalogue and the fast-check properties through the in-memory cores, timed. */
export async function inMemory(
  runs: number,
): Promise<Pick<HostileResult, 'properties'> & { worstMs: number; worstFile: string }> {
  const world = new HostileWorld();
  let worstMs = 0;
  let worstFile = '';
  for (const f of hostileCatalogue()) {
    const r = await world.ingest(f.key, f.body);
    if (r.ms > worstMs) [worstMs, worstFile] = [r.ms, f.name];
  }
  let inputs = 0;
  let threw = 0;
  /** Each distinct cause of a throw, with the first input that showed it. */
  const throws = new Map<string, string>();
  const problems: string[] = [];
  const check = async (w: HostileWorld, body: Uint8Array) => {
    inputs++;
    const started = performance.now();
    const r = await w.ingest(`p/${inputs}.md`, body);
    const ms = performance.now() - started;
    if (ms > worstMs) [worstMs, worstFile] = [ms, `generated input ${inputs}`];
    if (r.outcome === 'threw') {
      threw++;
      // Grouped by error and the first frame of ours (repository-relative): one line per distinct cause.
      const lines = (r.reason ?? '').split('\n');
      const frame = lines.find((l) => l.includes(REPO_ROOT) && !l.includes('node_modules')) ?? '';
      const where = frame.replace(/^\s*at\s*/, '').replace(`${REPO_ROOT}/`, '');
      const cause = `${lines[0]} (at ${where})`;
      throws.set(cause, throws.get(cause) ?? Buffer.from(body).toString('utf8').slice(0, 400));
    }
  };
  const bytesWorld = new HostileWorld();
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), (b) => check(bytesWorld, b)),
    { seed: 1, numRuns: runs },
  );
  const valid = Buffer.from(frontMatter(validFields({ topics: ['Corrupted'] })));
  await fc.assert(
    fc.asyncProperty(corrupted(valid), (b) => check(bytesWorld, b)),
    { seed: 2, numRuns: runs },
  );
  problems.push(...(await bytesWorld.crawl(false)).flatMap((c) => responseProblems(c.path, c.res)));
  await fc.assert(
    fc.asyncProperty(fc.array(hostileArticle, { minLength: 1, maxLength: 5 }), async (bodies) => {
      const w = new HostileWorld();
      for (const b of bodies) await check(w, b);
      problems.push(...(await w.crawl(false)).flatMap((c) => responseProblems(c.path, c.res)));
    }),
    { seed: 3, numRuns: Math.ceil(runs / 5) },
  );
  return {
    properties: {
      inputs,
      problems: problems.slice(0, 20),
      threw,
      throws: [...throws].map(([cause, input]) => ({ cause, input })),
    },
    worstMs: Math.round(worstMs),
    worstFile,
  };
}

export async function runHostile(root: string, options: { runs: number }): Promise<HostileResult> {
  const memory = await inMemory(options.runs);
  const catalogue = hostileCatalogue();
  const stack = startTsx<Ready>('stack-process.ts', 'ready', ['--root', root, '--hostile']);
  try {
    const ready = await stack.first;
    const unexpected: string[] = [];
    let articles = 0;
    let rejected = 0;
    let refusedKeys = 0;
    for (const f of catalogue) {
      const state = ready.states[f.key] ?? 'missing';
      // Refused by the S3 endpoint (a key it will not store) is a rejection with a reason, one layer earlier.
      const refusedAtS3 = state.startsWith('refused');
      if (state === 'ok') articles++;
      if (state.startsWith('rejected')) rejected++;
      if (refusedAtS3) refusedKeys++;
      const ok =
        f.expect === 'article'
          ? state === 'ok'
          : f.expect === 'rejected'
            ? (state.startsWith('rejected') && (!f.reason || f.reason.test(state))) || refusedAtS3
            : state === 'ok' || state.startsWith('rejected') || refusedAtS3;
      if (!ok) unexpected.push(`${f.name}: ${state}`);
    }

    const base = ready.urls.feeds;
    const next = ((await (await fetch(new URL('/feed.json?limit=2', base))).json()) as { next_url: string })
      .next_url;
    const cursor = new URL(next).searchParams.get('cursor') as string;
    const requests = hostileRequests({ topic: 'hostile-input', cursor });
    const req: HostileResult['requests'] = { sent: 0, protocol: 0, unexpected: [], status5xx: 0, dropped: 0 };
    for (const r of requests) {
      const res = await rawRequest(ready.ports.http, r.bytes);
      req.sent++;
      if (r.protocol) req.protocol++;
      if (res.status >= 500) req.status5xx++;
      if (res.status === 0) req.dropped++;
      const problem = r.bytes.startsWith('HEAD ') ? undefined : refusalProblem(res);
      if (!r.expect.includes(res.status) || problem)
        req.unexpected.push(`${r.name}: ${res.status || 'no answer'}${problem ? ` (${problem})` : ''}`);
    }

    const topics = (
      (await (await fetch(new URL('/topics.json', base))).json()) as { topics: { slug: string }[] }
    ).topics;
    const pages = ['/', ...topics.map((t) => `/topics/${encodeURIComponent(t.slug)}`)];
    if (topics.length >= 2)
      pages.push(
        `/topics/${topics
          .slice(0, 2)
          .map((t) => encodeURIComponent(t.slug))
          .join(',')}`,
      );
    const browser = await checkPages(base, pages);

    return {
      catalogue: {
        files: catalogue.length,
        articles,
        rejected,
        refusedByS3: refusedKeys,
        unexpected,
        outsideDataDir: ready.outsideDataDir,
        worstMs: memory.worstMs,
        worstFile: memory.worstFile,
      },
      properties: memory.properties,
      requests: req,
      browser,
    };
  } finally {
    await stack.stop();
  }
}
