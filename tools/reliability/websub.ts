/**
 * The websub check: the local stack (in a child process) ingests with three failing or counting hubs (in this
 * process) and without, in the order none, hubs, hubs, none (what it requires: docs/RELIABILITY.md).
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StatusConsole } from '../../local/console.js';
import { startLocalStack } from '../../local/stack.js';
import { generateCorpus } from '../lib/corpus.js';
import { HEADLESS } from '../lib/stack.js';
import { mapLimit } from '../lib/stats.js';
import { fmt, inChild, type Options, type Outcome, sec } from './check.js';
import { downHubUrl, startStandInHub } from './stand-in-hub.js';
import { checkOnce, dumpTable } from './tables.js';

/** Each dropped ping is one line: "warning   WebSub hub <hub> was not told that <feed> changed (<why>); ping dropped". */
const DROPPED = /^warning {3}WebSub hub (\S+) was not told that (\S+) changed \((.*)\); ping dropped$/;

/** One ingest by the local stack, with the hubs given: how long it took, the table, the pings dropped. */
export async function scenario(o: { root: string; hubs: string[]; files: number }) {
  const lines: string[] = [];
  const stack = await startLocalStack({
    settings: o.hubs.length ? { WEBSUB_HUBS: o.hubs.join(',') } : {},
    dataDir: path.join(o.root, 'data'),
    ...HEADLESS,
    console: new StatusConsole({ write: (text: string) => lines.push(...text.split('\n').filter(Boolean)) }),
  });
  await stack.ready;
  const started = Date.now();
  await mapLimit([...generateCorpus({ count: o.files })], 8, (f) =>
    stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: f.key, Body: f.text })),
  );
  await stack.idle();
  const ingestMs = Date.now() - started;
  const published = Date.now();
  await stack.published();
  const publishedAfterMs = Date.now() - published;
  const once = checkOnce(await dumpTable(stack.dynamo, stack.tableName));
  const warnings = lines.map((l) => DROPPED.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const otherLines = lines.filter((l) => !DROPPED.test(l)).slice(0, 10);
  await stack.close({ drainMs: 0 });
  return {
    ...{ files: o.files, ingestMs, publishedAfterMs, ...once, duplicates: once.duplicates.length },
    countMismatches: once.countMismatches.length,
    /** Hub and feed of each ping dropped. */
    dropped: warnings.map((m) => [m[1], m[2]] as [string, string]),
    otherLines,
    firstWarning: warnings[0]?.[0],
  };
}

const countBy = (values: string[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
};
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Ingest with failing hubs may not be slower than this share of ingest without hubs (the machine is shared). */
const WEBSUB_MIN_THROUGHPUT = 0.75;

export async function websubCheck(root: string, o: Options): Promise<Outcome> {
  const down = await downHubUrl();
  const hanging = await startStandInHub('hang');
  const counting = await startStandInHub('accept', { fetchFeeds: false });
  let runs = 0;
  /** A run in a new data directory (the same files again would change nothing, and ping nothing). */
  const run = async (failing: boolean) => {
    const [pingsBefore, hangingBefore] = [counting.pings.length, hanging.requests()];
    const hubs = failing ? [down, hanging.url, counting.url] : [];
    const options = { root: path.join(root, String(++runs)), hubs, files: Number(o['websub-files']) };
    const { dropped, ...r } = await inChild('websub', scenario, options);
    // One warning per hub and feed for every run that pinged the feed: what the accepting hub heard, per feed.
    const pings = countBy(counting.pings.slice(pingsBefore).map((p) => String(p.url)));
    const perHub = (hub: string) => countBy(dropped.filter(([h]) => h === hub).map(([, feed]) => feed));
    const mismatched = [down, hanging.url].flatMap((hub) => {
      const mine = perHub(hub);
      return [...new Set([...pings.keys(), ...mine.keys()])]
        .filter((feed) => (mine.get(feed) ?? 0) !== (pings.get(feed) ?? 0))
        .map((feed) => `${hub} ${feed}: ${mine.get(feed) ?? 0} warnings, ${pings.get(feed) ?? 0} runs`);
    });
    const warnings = { down: total(perHub(down)), hanging: total(perHub(hanging.url)) };
    const hangingRequests = hanging.requests() - hangingBefore;
    const heard = { feedsPinged: pings.size, pingsAccepted: total(pings), hangingRequests, warnings };
    return { ...r, ...heard, mismatched: mismatched.slice(0, 10) };
  };
  type Run = Awaited<ReturnType<typeof run>>;
  try {
    // ABBA order: the machine's load drifts, and a pair of runs alone swung from 0.73 to 1.29 here.
    const order = [false, true, true, false];
    const [none1, failing1, failing2, none2] = (await mapLimit(order, 1, run)) as [Run, Run, Run, Run];
    const rate = (a: Run, b: Run) =>
      Math.round(((a.files + b.files) / (a.ingestMs + b.ingestMs)) * 1000 * 10) / 10;
    const [f, n] = [failing2, none2];
    const [fRate, nRate] = [rate(failing1, failing2), rate(none1, none2)];
    const correct = (r: Run) =>
      [r.fileStates.ok, r.articles, r.allEntries].every((n) => n === r.files) &&
      r.pending + r.duplicates + r.countMismatches === 0;
    const notes: string[] = [];
    if (failing1.mismatched.length > 0 || !correct(failing1) || !correct(none1))
      notes.push(`First pair: ${JSON.stringify({ failing: failing1, none: none1 })}`);
    if (!correct(f) || !correct(n)) notes.push('The table is not the same with failing hubs as without.');
    if (fRate / nRate < WEBSUB_MIN_THROUGHPUT)
      notes.push(
        `Ingest with failing hubs ran at ${(fRate / nRate).toFixed(2)} of the throughput without hubs.`,
      );
    if (f.mismatched.length > 0) notes.push(`Warnings and runs differ: ${f.mismatched.join('; ')}.`);
    if (f.warnings.down === 0 || f.warnings.hanging === 0) notes.push('A failing hub gave no warning.');
    const load = loadavg().map((x) => x.toFixed(1));
    if (notes.length > 0) notes.push(`Load average at the end: ${load.join(' / ')}.`);
    const lines = [
      `- **WebSub hubs failing**: ${fmt(f.files)} corpus files ingested twice with three hubs (one down, one that never answers, one that ` +
        `accepts and counts; in another process) in ${sec(failing1.ingestMs + f.ingestMs)} (${fRate} files/s), and twice with none in ` +
        `${sec(none1.ingestMs + n.ingestMs)} (${nRate} files/s), in the order none, hubs, hubs, none: ${(fRate / nRate).toFixed(2)} of the throughput. ` +
        `Last runs: files ok ${fmt(f.fileStates.ok)} and ${fmt(n.fileStates.ok)}; articles ${fmt(f.articles)} and ${fmt(n.articles)}; ` +
        `pending ${f.pending}, duplicates ${f.duplicates}, counter mismatches ${f.countMismatches}. The accepting hub heard ` +
        `${fmt(f.pingsAccepted)} pings for ${fmt(f.feedsPinged)} feed URLs; ${fmt(f.warnings.down)} warnings for the hub that is down and ` +
        `${fmt(f.warnings.hanging)} for the one that hangs (it got ${fmt(f.hangingRequests)} requests), one per hub, feed and run ` +
        `(${f.mismatched.length} feeds where they differ); the last pings were settled ${sec(f.publishedAfterMs)} after the ingest.` +
        (f.firstWarning ? ` A warning: \`${f.firstWarning.replace(/\s+/g, ' ')}\`.` : ''),
    ];
    return {
      verdict: notes.length === 0 ? 'pass' : 'FAIL',
      notes,
      lines,
      result: { failing: { ...f, filesPerSecond: fRate }, none: { ...n, filesPerSecond: nRate } },
    };
  } finally {
    await hanging.close();
    await counting.close();
  }
}
