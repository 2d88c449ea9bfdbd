/**
 * The hostile catalogue against the real local stack (in its own process): the files go in through its S3
 * endpoint and must end as the catalogue says; every hostile request, the raw-protocol ones included, is sent
 * to its HTTP port; its pages are opened in Chromium. Also times the catalogue and the properties through the
 * in-memory cores. Nothing may crash, make a malformed feed or page, or run a script.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { REPO_ROOT } from '../lib/procs.js';
import { startStack } from '../lib/stack.js';
import { type BrowserResult, checkPages } from './browser.js';
import { fmt, type Options, type Outcome, verdictOf } from './check.js';
import { corrupted, hostileArticle } from './hostile/arbitraries.js';
import { frontMatter, hostileCatalogue, validFields } from './hostile/catalogue.js';
import { HostileWorld, responseProblems } from './hostile/harness.js';
import { rawRequest, refusalProblem } from './hostile/raw-http.js';
import { hostileRequests } from './hostile/requests.js';

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

async function runHostile(root: string, runs: number): Promise<HostileResult> {
  const memory = await inMemory(runs);
  const catalogue = hostileCatalogue();
  const stack = await startStack({ root, hostile: true });
  try {
    const ready = stack.info;
    const unexpected: string[] = [];
    let [articles, rejected, refusedKeys] = [0, 0, 0];
    for (const f of catalogue) {
      const state = ready.states[f.key] ?? 'missing';
      // Refused by the S3 endpoint (a key it will not store) is a rejection with a reason, one layer earlier.
      const refusedAtS3 = state.startsWith('refused');
      const wasRejected = state.startsWith('rejected') && (!f.reason || f.reason.test(state));
      if (state === 'ok') articles++;
      if (state.startsWith('rejected')) rejected++;
      if (refusedAtS3) refusedKeys++;
      const ok =
        f.expect === 'article'
          ? state === 'ok'
          : f.expect === 'rejected'
            ? wasRejected || refusedAtS3
            : state === 'ok' || state.startsWith('rejected') || refusedAtS3;
      if (!ok) unexpected.push(`${f.name}: ${state}`);
    }

    const base = ready.feeds;
    const json = async <T>(path: string) => (await (await fetch(new URL(path, base))).json()) as T;
    const next = (await json<{ next_url: string }>('/feed.json?limit=2')).next_url;
    const cursor = new URL(next).searchParams.get('cursor') as string;
    const req: HostileResult['requests'] = { sent: 0, protocol: 0, unexpected: [], status5xx: 0, dropped: 0 };
    for (const r of hostileRequests({ topic: 'hostile-input', cursor })) {
      const res = await rawRequest(ready.httpPort, r.bytes);
      req.sent++;
      if (r.protocol) req.protocol++;
      if (res.status >= 500) req.status5xx++;
      if (res.status === 0) req.dropped++;
      const problem = r.bytes.startsWith('HEAD ') ? undefined : refusalProblem(res);
      if (!r.expect.includes(res.status) || problem)
        req.unexpected.push(`${r.name}: ${res.status || 'no answer'}${problem ? ` (${problem})` : ''}`);
    }

    const slugs = (await json<{ topics: { slug: string }[] }>('/topics.json')).topics.map((t) =>
      encodeURIComponent(t.slug),
    );
    const pages = ['/', ...slugs.map((s) => `/topics/${s}`)];
    if (slugs.length >= 2) pages.push(`/topics/${slugs.slice(0, 2).join(',')}`);
    const browser = await checkPages(base, pages);
    return {
      catalogue: {
        ...{ files: catalogue.length, articles, rejected, refusedByS3: refusedKeys, unexpected },
        ...{ outsideDataDir: ready.outsideDataDir, worstMs: memory.worstMs, worstFile: memory.worstFile },
      },
      properties: memory.properties,
      requests: req,
      browser,
    };
  } finally {
    await stack.close();
  }
}

export async function hostileCheck(root: string, o: Options): Promise<Outcome> {
  const h = await runHostile(root, Number(o.runs));
  const { catalogue: c, properties: p, requests: r, browser: b } = h;
  const notes: string[] = [];
  if (c.unexpected.length)
    notes.push(`Catalogue files that did not end as expected: ${c.unexpected.join('; ')}.`);
  if (p.threw)
    notes.push(
      `${p.threw} generated inputs made the ingest core throw instead of rejecting the file (the handler would retry them forever); causes: ${p.throws.map((t) => t.cause).join('; ')}. The inputs are in tools/reliability/results/latest.json.`,
    );
  if (p.problems.length) notes.push(`Feed or page problems: ${p.problems.join('; ')}.`);
  if (r.unexpected.length) notes.push(`Unexpected answers: ${r.unexpected.join('; ')}.`);
  if (r.status5xx || r.dropped)
    notes.push(`Requests answered with a 5xx: ${r.status5xx}; without an answer: ${r.dropped}.`);
  if (c.outsideDataDir.length)
    notes.push(
      `s3rver wrote objects outside the stack's data directory for a key with ".." segments (paths relative to the data directory): ${c.outsideDataDir.join(', ')}.`,
    );
  if (b.failures.length)
    notes.push(
      `Pages where something ran or was present: ${b.failures.map((f) => `${f.url} (${f.mode}): ${JSON.stringify(f)}`).join('; ')}.`,
    );
  const files = c.unexpected.length === 0 && p.threw === 0 && p.problems.length === 0;
  const requests = r.status5xx === 0 && r.dropped === 0 && r.unexpected.length === 0;
  const lines = [
    `- **Hostile files** (${verdictOf(files)}): the catalogue's ${c.files} files through the local stack: ${c.articles} articles, ` +
      `${c.rejected} rejected with a reason${c.refusedByS3 ? `, ${c.refusedByS3} refused by the S3 endpoint` : ''}, ${c.unexpected.length} otherwise; plus ${fmt(p.inputs)} generated inputs ` +
      `(fast-check) through the ingest core and every feed and page rendered after them: ${p.threw} threw, ${p.problems.length} feed or page problems. ` +
      `Worst time for one file: ${c.worstMs} ms (${c.worstFile}).`,
    `- **Hostile requests** (${verdictOf(requests)}): ${r.sent} sent raw to the stack's HTTP port` +
      `${r.protocol ? ` (${r.protocol} of them malformed at the protocol level: CONNECT, HTTP/2 and TLS prefaces, smuggling, bare CR, oversized heads, no Host)` : ''}: ` +
      `${r.status5xx} 5xx, ${r.dropped} without an answer, ${r.unexpected.length} unexpected answers or refusals without a reason.`,
    b.ran
      ? `- **Pages in Chromium ${b.chromium}** (${verdictOf(b.failures.length === 0)}): ${b.pages} pages (index, every topic, a merged pair), each as served and with CSP bypassed: ` +
        `${b.failures.length} with a dialog, a run script, a \`__pwned\` request, a script element, an event handler or a script URL; ` +
        `${b.checks.reduce((n, x) => n + x.cspViolations, 0)} CSP violations reported.`
      : `- **Pages in Chromium**: not run: ${b.skipped}.`,
  ];
  const ok = files && requests && b.failures.length === 0;
  return { verdict: verdictOf(ok), notes, lines, result: h };
}
