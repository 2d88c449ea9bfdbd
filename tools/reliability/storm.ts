/**
 * An event storm: N bucket changes (new files, edits, a file's link changed, second files with a link already
 * known, deletions) are recorded as S3 notifications; each is then delivered three times, all in random order,
 * through the queue to the real ingest handler. The table must equal the table a clean ingest (each event
 * once, in order) makes from the same bucket.
 *
 *   node --import tsx reliability/storm.ts --root DIR [--events 1000] [--seed S]
 * Prints `{"storm":{…}}`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDynamo } from '../../local/servers.js';
import { generateCorpus, prng } from '../bench/corpus.js';
import { cleanIngest, startPipeline, TABLE, topicNamesFromBucket } from './pipeline.js';
import { checkOnce, checkTopicNames, diffDumps, dumpTable } from './tables.js';

const { values } = parseArgs({
  options: { root: { type: 'string' }, events: { type: 'string' }, seed: { type: 'string' } },
});
if (!values.root) throw new Error('--root DIR is required');
const EVENTS = Number(values.events ?? 1000);
const rng = prng(Number(values.seed ?? 20210314));

const dynamo = await startDynamo();
const pipeline = await startPipeline({
  s3Dir: path.join(values.root, 's3'),
  dynamoEndpoint: dynamo.endpoint,
  deliver: false,
  queue: { concurrency: 8, batchSize: 10, retryMs: 50 },
});

// ---- the bucket's history: 60% new files, then edits, link changes, second files and deletions, mixed ----
const creates = Math.round(EVENTS * 0.6);
const corpus = [...generateCorpus({ count: creates + 100 })];
const live: { key: string; text: string }[] = [];
const pick = () => live[Math.floor(rng() * live.length)] as { key: string; text: string };
const kinds = { create: 0, edit: 0, relink: 0, second: 0, remove: 0 };

for (const f of corpus.slice(0, creates)) {
  await pipeline.put(f.key, f.text);
  live.push({ key: f.key, text: f.text });
  kinds.create++;
}
let spare = creates;
while (pipeline.records.length < EVENTS) {
  const r = rng();
  if (r < 0.35) {
    // An edit: new title and one more topic, same link.
    const f = pick();
    f.text = f.text
      .replace(/^title: .*$/m, `title: "Edited ${Math.floor(rng() * 1e6)}"`)
      .replace(/^topics:\n/m, `topics:\n  - Edited Topic ${Math.floor(rng() * 5)}\n`);
    await pipeline.put(f.key, f.text);
    kinds.edit++;
  } else if (r < 0.5) {
    // The file now carries another article (its link changed).
    const f = pick();
    f.text = (corpus[spare++ % corpus.length] as { text: string }).text;
    await pipeline.put(f.key, f.text);
    kinds.relink++;
  } else if (r < 0.75) {
    // A second file with the link of a known article (another title).
    const f = pick();
    const key = `second/${kinds.second}_${f.key}`;
    const text = f.text.replace(/^title: .*$/m, `title: "Second copy ${kinds.second}"`);
    await pipeline.put(key, text);
    live.push({ key, text });
    kinds.second++;
  } else {
    const i = Math.floor(rng() * live.length);
    const [f] = live.splice(i, 1);
    if (f) await pipeline.remove(f.key);
    kinds.remove++;
  }
}
const records = pipeline.records.slice(0, EVENTS);
pipeline.records.length = EVENTS;

// ---- the storm: every record three times, shuffled ----
const deliveries = [...records, ...records, ...records];
for (let i = deliveries.length - 1; i > 0; i--) {
  const j = Math.floor(rng() * (i + 1));
  [deliveries[i], deliveries[j]] = [
    deliveries[j] as (typeof deliveries)[number],
    deliveries[i] as (typeof deliveries)[number],
  ];
}
const started = Date.now();
for (const record of deliveries) pipeline.queue.push(record);
await pipeline.queue.idle();
const stormMs = Date.now() - started;
const { retries } = pipeline.queue.stats();

const stormed = await dumpTable(pipeline.dynamo, TABLE);
await cleanIngest(pipeline, 'clean');
const clean = await dumpTable(pipeline.dynamo, 'clean');
const differences = diffDumps(clean, stormed, ['clean', 'storm']);
const once = checkOnce(stormed);
// Both tables could agree and still be wrong: the topic names are also checked against the bucket itself.
const expectedNames = await topicNamesFromBucket(pipeline);
const namesWrong = {
  storm: checkTopicNames(stormed, expectedNames),
  clean: checkTopicNames(clean, expectedNames),
};

await pipeline.close();
await dynamo.close();

process.stdout.write(
  `${JSON.stringify({
    storm: {
      events: records.length,
      kinds,
      deliveries: deliveries.length,
      stormMs,
      failedDeliveries: retries,
      items: stormed.size,
      cleanItems: clean.size,
      fileStates: once.files,
      articles: once.articles,
      pending: once.pending,
      duplicates: once.duplicates.length,
      countMismatches: once.countMismatches.slice(0, 10),
      differencesFromClean: differences.lines.length,
      differingPaths: differences.byPath,
      countersOnlyDifferences: differences.countersOnly,
      firstDifferences: differences.lines.slice(0, 12),
      topicNames: expectedNames.size,
      topicNamesWrong: { storm: namesWrong.storm.length, clean: namesWrong.clean.length },
      firstWrongNames: [
        ...namesWrong.storm.map((l) => `storm ${l}`),
        ...namesWrong.clean.map((l) => `clean ${l}`),
      ].slice(0, 12),
    },
  })}\n`,
);
process.exit(0);
