/**
 * WebSub hubs that fail, during an ingest: the local stack ingests N corpus files with three hubs configured
 * (in another process: hubs-process.ts), one down (nothing listens), one that hangs (never answers) and one
 * that accepts (it counts the publisher's runs). Run with failing hubs and with none (the baseline), in the
 * order none, hubs, hubs, none: ingest throughput and the table must not change, and each ping to a failing
 * hub must end as one warning naming the hub and the feed.
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StatusConsole } from '../../local/console.js';
import { startLocalStack } from '../../local/stack.js';
import { generateCorpus } from '../lib/corpus.js';
import { beside, startTs } from '../lib/procs.js';
import { HEADLESS } from '../lib/stack.js';
import { mapLimit } from '../lib/stats.js';
import { fmt, inChild, type Options, type Outcome, sec } from './check.js';
import { checkOnce, dumpTable } from './tables.js';

/** Each dropped ping is one line: "warning   WebSub hub <hub> was not told that <feed> changed (<why>); ping dropped". */
const DROPPED = /^warning {3}WebSub hub (\S+) was not told that (\S+) changed \((.*)\); ping dropped$/;

export async function scenario(o: { root: string; failing: boolean; files: number }) {
  const hubsChild = o.failing
    ? await startTs<{ down: string; hanging: string; counting: string }>(
        beside(import.meta.url, 'hubs-process.ts'),
        [],
        {
          key: 'hubs',
          echo: true,
        },
      )
    : undefined;
  const hubs = hubsChild?.info;
  const lines: string[] = [];
  const stack = await startLocalStack({
    settings: hubs ? { WEBSUB_HUBS: [hubs.down, hubs.hanging, hubs.counting].join(',') } : {},
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
  const perHub = (hub: string | undefined) => {
    const byFeed = new Map<string, number>();
    for (const m of warnings)
      if (m[1] === hub) byFeed.set(m[2] as string, (byFeed.get(m[2] as string) ?? 0) + 1);
    return byFeed;
  };
  const heardReply = hubsChild?.next<{ pings: Record<string, number>; hangingRequests: number }>('heard');
  await hubsChild?.stop();
  const heard = (await heardReply) ?? { pings: {}, hangingRequests: 0 };
  const pings = new Map(Object.entries(heard.pings));
  // One warning per hub and feed for every run that pinged the feed: what the accepting hub heard, per feed.
  const mismatched = [hubs?.down, hubs?.hanging].flatMap((hub) => {
    const mine = perHub(hub);
    return [...new Set([...pings.keys(), ...mine.keys()])]
      .filter((feed) => (mine.get(feed) ?? 0) !== (pings.get(feed) ?? 0))
      .map((feed) => `${hub} ${feed}: ${mine.get(feed) ?? 0} warnings, ${pings.get(feed) ?? 0} runs`);
  });
  await stack.close({ drainMs: 0 });
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    ...{ files: o.files, ingestMs, publishedAfterMs, fileStates: once.files, articles: once.articles },
    ...{ allEntries: once.allEntries, pending: once.pending, duplicates: once.duplicates.length },
    ...{ countMismatches: once.countMismatches.length, feedsPinged: pings.size, pingsAccepted: total(pings) },
    ...{
      hangingRequests: heard.hangingRequests,
      warnings: { down: total(perHub(hubs?.down)), hanging: total(perHub(hubs?.hanging)) },
    },
    ...{
      otherLines: lines.filter((l) => !DROPPED.test(l)).slice(0, 10),
      mismatched: mismatched.slice(0, 10),
      firstWarning: warnings[0]?.[0],
    },
  };
}
type Run = Awaited<ReturnType<typeof scenario>>;

/** Ingest with failing hubs may not be slower than this share of ingest without hubs (the machine is shared). */
const WEBSUB_MIN_THROUGHPUT = 0.75;

export async function websubCheck(root: string, o: Options): Promise<Outcome> {
  let runs = 0;
  // Each run in a new data directory: the same files again would change nothing (and ping nothing).
  const run = (failing: boolean): Promise<Run> =>
    inChild('websub', { root: path.join(root, String(++runs)), failing, files: Number(o['websub-files']) });
  // ABBA order: the machine's load drifts, and a pair of runs alone swung from 0.73 to 1.29 here.
  const none1 = await run(false);
  const failing1 = await run(true);
  const failing2 = await run(true);
  const none2 = await run(false);
  const rate = (a: Run, b: Run) =>
    Math.round(((a.files + b.files) / (a.ingestMs + b.ingestMs)) * 1000 * 10) / 10;
  const [f, n] = [failing2, none2];
  const [fRate, nRate] = [rate(failing1, failing2), rate(none1, none2)];
  const correct = (r: Run) =>
    r.fileStates.ok === r.files &&
    r.articles === r.files &&
    r.allEntries === r.files &&
    r.pending === 0 &&
    r.duplicates === 0 &&
    r.countMismatches === 0;
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
  if (notes.length > 0)
    notes.push(
      `Load average at the end: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' / ')}.`,
    );
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
}
