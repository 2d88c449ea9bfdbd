/**
 * The hostile check: the catalogues against the local stack in its own process (files through its S3
 * endpoint, raw requests to its HTTP port, pages in Chromium), and the properties through the in-memory
 * cores, timed.
 */
import fc from 'fast-check';
import { REPO_ROOT } from '../lib/procs.js';
import { startStack } from '../lib/stack.js';
import { checkPages } from './browser.js';
import { fmt, type Options, type Outcome, verdictOf } from './check.js';
import { corrupted, hostileArticle } from './hostile/arbitraries.js';
import { frontMatter, type HostileFile, hostileCatalogue, validFields } from './hostile/catalogue.js';
import { HostileWorld, responseProblems } from './hostile/harness.js';
import { rawRequest, refusalProblem } from './hostile/raw-http.js';
import { hostileRequests } from './hostile/requests.js';

/** The catalogue and the fast-check properties through the in-memory cores, timed. */
async function inMemory(runs: number) {
  let [worstMs, worstFile, inputs, threw] = [0, '', 0, 0];
  const time = (ms: number, file: string) => {
    if (ms > worstMs) [worstMs, worstFile] = [ms, file];
  };
  const world = new HostileWorld();
  for (const f of hostileCatalogue()) time((await world.ingest(f.key, f.body)).ms, f.name);
  /** Each distinct cause of a throw, with the first input that showed it. */
  const throws = new Map<string, string>();
  const problems: string[] = [];
  const crawl = async (w: HostileWorld) =>
    problems.push(...(await w.crawl(false)).flatMap((c) => responseProblems(c.path, c.res)));
  const check = async (w: HostileWorld, body: Uint8Array) => {
    const r = await w.ingest(`p/${++inputs}.md`, body);
    time(r.ms, `generated input ${inputs}`);
    if (r.outcome !== 'threw') return;
    threw++;
    // Grouped by error and the first frame of ours (repository-relative): one line per distinct cause.
    const lines = (r.reason ?? '').split('\n');
    const frame = lines.find((l) => l.includes(REPO_ROOT) && !l.includes('node_modules')) ?? '';
    const cause = `${lines[0]} (at ${frame.replace(/^\s*at\s*/, '').replace(`${REPO_ROOT}/`, '')})`;
    if (!throws.has(cause)) throws.set(cause, Buffer.from(body).toString('utf8').slice(0, 400));
  };
  const bytesWorld = new HostileWorld();
  const bytes = fc.uint8Array({ maxLength: 4096 });
  await fc.assert(
    fc.asyncProperty(bytes, (b) => check(bytesWorld, b)),
    { seed: 1, numRuns: runs },
  );
  const valid = Buffer.from(frontMatter(validFields({ topics: ['Corrupted'] })));
  await fc.assert(
    fc.asyncProperty(corrupted(valid), (b) => check(bytesWorld, b)),
    { seed: 2, numRuns: runs },
  );
  await crawl(bytesWorld);
  const articles = fc.array(hostileArticle, { minLength: 1, maxLength: 5 });
  const each = async (bodies: Buffer[]) => {
    const w = new HostileWorld();
    for (const b of bodies) await check(w, b);
    await crawl(w);
  };
  await fc.assert(fc.asyncProperty(articles, each), { seed: 3, numRuns: Math.ceil(runs / 5) });
  const cases = [...throws].map(([cause, input]) => ({ cause, input }));
  const properties = { inputs, problems: problems.slice(0, 20), threw, throws: cases };
  return { properties, worstMs: Math.round(worstMs), worstFile };
}

async function runHostile(root: string, runs: number) {
  const { properties, worstMs, worstFile } = await inMemory(runs);
  const catalogue = hostileCatalogue();
  const stack = await startStack({ root, hostile: true });
  try {
    const { states, feeds, httpPort, outsideDataDir } = stack.info;
    // refusedByS3: keys the local S3 endpoint refused outright (with a reason); `unexpected`: files that did
    // not end as the catalogue says; outsideDataDir: objects s3rver wrote outside its folder (`..` keys).
    const stateOf = (f: HostileFile) => states[f.key] ?? 'missing';
    const count = (prefix: string) => catalogue.filter((f) => stateOf(f).startsWith(prefix)).length;
    const files = { articles: count('ok'), rejected: count('rejected'), refusedByS3: count('refused') };
    const asExpected = (f: HostileFile, state = stateOf(f)) => {
      const [article, rejected, refused] = ['ok', 'rejected', 'refused'].map((p) => state.startsWith(p));
      if (f.expect === 'article') return article;
      // Refused by the S3 endpoint (a key it will not store) is a rejection with a reason, one layer earlier.
      if (f.expect === 'rejected') return (rejected && (!f.reason || f.reason.test(state))) || refused;
      return article || rejected || refused;
    };
    const unexpected = catalogue.filter((f) => !asExpected(f)).map((f) => `${f.name}: ${stateOf(f)}`);

    const json = async <T>(path: string) => (await (await fetch(new URL(path, feeds))).json()) as T;
    const next = (await json<{ next_url: string }>('/feed.json?limit=2')).next_url;
    const cursor = new URL(next).searchParams.get('cursor') as string;
    // protocol: malformed at the protocol level (refused by the local server's HTTP layer); unexpected: a
    // status the request must not get, or a refusal without a reason.
    const requests = { sent: 0, protocol: 0, unexpected: [] as string[], status5xx: 0, dropped: 0 };
    for (const r of hostileRequests({ topic: 'hostile-input', cursor })) {
      const res = await rawRequest(httpPort, r.bytes);
      requests.sent++;
      if (r.protocol) requests.protocol++;
      if (res.status >= 500) requests.status5xx++;
      if (res.status === 0) requests.dropped++;
      const problem = r.bytes.startsWith('HEAD ') ? undefined : refusalProblem(res);
      if (!r.expect.includes(res.status) || problem)
        requests.unexpected.push(`${r.name}: ${res.status || 'no answer'}${problem ? ` (${problem})` : ''}`);
    }

    const topics = (await json<{ topics: { slug: string }[] }>('/topics.json')).topics;
    const slugs = topics.map((t) => encodeURIComponent(t.slug));
    const pages = ['/', ...slugs.map((s) => `/topics/${s}`)];
    if (slugs.length >= 2) pages.push(`/topics/${slugs.slice(0, 2).join(',')}`);
    const browser = await checkPages(feeds, pages);
    const fates = { files: catalogue.length, ...files, unexpected, outsideDataDir, worstMs, worstFile };
    return { catalogue: fates, properties, requests, browser };
  } finally {
    await stack.close();
  }
}
export async function hostileCheck(root: string, o: Options): Promise<Outcome> {
  const h = await runHostile(root, Number(o.runs));
  const { catalogue: c, properties: p, requests: r, browser: b } = h;
  const notes = [
    c.unexpected.length && `Catalogue files that did not end as expected: ${c.unexpected.join('; ')}.`,
    p.threw &&
      `${p.threw} generated inputs made the ingest core throw instead of rejecting the file (the handler would retry them forever); causes: ${p.throws.map((t) => t.cause).join('; ')}. The inputs are in tools/reliability/results/latest.json.`,
    p.problems.length && `Feed or page problems: ${p.problems.join('; ')}.`,
    r.unexpected.length && `Unexpected answers: ${r.unexpected.join('; ')}.`,
    (r.status5xx || r.dropped) &&
      `Requests answered with a 5xx: ${r.status5xx}; without an answer: ${r.dropped}.`,
    c.outsideDataDir.length &&
      `s3rver wrote objects outside the stack's data directory for a key with ".." segments (paths relative to the data directory): ${c.outsideDataDir.join(', ')}.`,
    b.failures.length &&
      `Pages where something ran or was present: ${b.failures.map((f) => `${f.url} (${f.mode}): ${JSON.stringify(f)}`).join('; ')}.`,
  ].filter((note): note is string => typeof note === 'string');
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
