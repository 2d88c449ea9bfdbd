/**
 * WebSub hubs that fail, during an ingest: the local stack ingests N corpus files with three hubs configured
 * (in another process: hubs-process.ts), one down (nothing listens), one that hangs (never answers) and one
 * that accepts (it counts the publisher's runs). Run once with `--hubs failing` and once with `--hubs none` (the baseline): ingest throughput and the
 * table must not change, and each ping to a failing hub must end as one warning naming the hub and the feed.
 *
 *   node --import tsx reliability/websub.ts --root DIR --hubs failing|none [--files 1000]
 * Prints `{"websub":{…}}`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StatusConsole } from '../../local/console.js';
import { startLocalStack } from '../../local/stack.js';
import { generateCorpus } from '../bench/corpus.js';
import { startTsx } from './processes.js';
import { checkOnce, dumpTable } from './tables.js';

const { values } = parseArgs({
  options: { root: { type: 'string' }, hubs: { type: 'string' }, files: { type: 'string' } },
});
if (!values.root) throw new Error('--root DIR is required');
const FILES = Number(values.files ?? 1000);
const failing = values.hubs === 'failing';

interface Hubs {
  down: string;
  hanging: string;
  counting: string;
}
const hubsChild = failing ? startTsx<Hubs>('hubs-process.ts', 'hubs') : undefined;
const hubs = await hubsChild?.first;

const lines: string[] = [];
const stack = await startLocalStack({
  settings: hubs ? { WEBSUB_HUBS: [hubs.down, hubs.hanging, hubs.counting].join(',') } : {},
  dataDir: path.join(values.root, 'data'),
  articlesDir: false,
  examples: false,
  port: 0,
  s3Port: 0,
  dynamoPort: 0,
  console: new StatusConsole({ write: (text: string) => lines.push(...text.split('\n').filter(Boolean)) }),
});
await stack.ready;

const files = [...generateCorpus({ count: FILES })];
const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < files.length) {
      const f = files[next++] as (typeof files)[number];
      await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: f.key, Body: f.text }));
    }
  }),
);
await stack.idle();
const ingestMs = Date.now() - started;
const published = Date.now();
await stack.published();
const publishedAfterMs = Date.now() - published;

const once = checkOnce(await dumpTable(stack.dynamo, stack.tableName));

// Each dropped ping is one line: "warning   WebSub hub <hub> was not told that <feed> changed (<why>); ping dropped".
const DROPPED = /^warning {3}WebSub hub (\S+) was not told that (\S+) changed \((.*)\); ping dropped$/;
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

process.stdout.write(
  `${JSON.stringify({
    websub: {
      hubs: failing ? 'failing' : 'none',
      files: FILES,
      ingestMs,
      filesPerSecond: Math.round((FILES / ingestMs) * 1000 * 10) / 10,
      publishedAfterMs,
      fileStates: once.files,
      articles: once.articles,
      allEntries: once.allEntries,
      pending: once.pending,
      duplicates: once.duplicates.length,
      countMismatches: once.countMismatches.length,
      feedsPinged: pings.size,
      pingsAccepted: [...pings.values()].reduce((a, b) => a + b, 0),
      hangingRequests: heard.hangingRequests,
      warnings: {
        down: [...perHub(hubs?.down).values()].reduce((a, b) => a + b, 0),
        hanging: [...perHub(hubs?.hanging).values()].reduce((a, b) => a + b, 0),
      },
      otherLines: lines.filter((l) => !DROPPED.test(l)).slice(0, 10),
      mismatched: mismatched.slice(0, 10),
      firstWarning: warnings[0]?.[0],
    },
  })}\n`,
);
process.exit(0);
