/**
 * The storm check: bucket events delivered three times each, all shuffled; the table must equal a clean
 * ingest's and each topic's name be the bucket's (the spelling of its earliest upload). Described in
 * docs/RELIABILITY.md.
 */
import type { S3EventRecord } from 'aws-lambda';
import { startDynamo } from '../../local/servers.js';
import { generateCorpus, prng } from '../lib/corpus.js';
import { fmt, inChild, type Options, type Outcome, sec, verdictOf } from './check.js';
import { againstClean, startPipeline, topicNamesFromBucket } from './pipeline.js';
import { checkTopicNames } from './tables.js';

export async function scenario(o: { root: string; events: number; seed: number }) {
  const rng = prng(o.seed);
  const dynamo = await startDynamo();
  const pipeline = await startPipeline({
    root: o.root,
    dynamoEndpoint: dynamo.endpoint,
    deliver: false,
    queue: { concurrency: 8, batchSize: 10, retryMs: 50 },
  });

  // The bucket's history: 60% new files, then edits, link changes, second files and deletions, mixed.
  const creates = Math.round(o.events * 0.6);
  const corpus = [...generateCorpus({ count: creates + 100 })];
  const live: { key: string; text: string }[] = [];
  const pick = () => live[Math.floor(rng() * live.length)] as { key: string; text: string };
  const kinds = { create: creates, edit: 0, relink: 0, second: 0, remove: 0 };
  for (const { key, text } of corpus.slice(0, creates)) {
    await pipeline.put(key, text);
    live.push({ key, text });
  }
  let spare = creates;
  while (pipeline.records.length < o.events) {
    const r = rng();
    const f = r < 0.75 ? pick() : undefined;
    if (f && r < 0.35) {
      // An edit: new title and one more topic, same link.
      f.text = f.text
        .replace(/^title: .*$/m, `title: "Edited ${Math.floor(rng() * 1e6)}"`)
        .replace(/^topics:\n/m, `topics:\n  - Edited Topic ${Math.floor(rng() * 5)}\n`);
      await pipeline.put(f.key, f.text);
      kinds.edit++;
    } else if (f && r < 0.5) {
      // The file now carries another article (its link changed).
      f.text = (corpus[spare++ % corpus.length] as { text: string }).text;
      await pipeline.put(f.key, f.text);
      kinds.relink++;
    } else if (f) {
      // A second file with the link of a known article (another title).
      const key = `second/${kinds.second}_${f.key}`;
      const text = f.text.replace(/^title: .*$/m, `title: "Second copy ${kinds.second}"`);
      await pipeline.put(key, text);
      live.push({ key, text });
      kinds.second++;
    } else {
      const [gone] = live.splice(Math.floor(rng() * live.length), 1);
      if (gone) await pipeline.remove(gone.key);
      kinds.remove++;
    }
  }
  pipeline.records.length = o.events;
  const records = [...pipeline.records];

  // The storm: every record three times, shuffled.
  const deliveries = [...records, ...records, ...records];
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]] as [S3EventRecord, S3EventRecord];
  }
  const started = Date.now();
  for (const record of deliveries) pipeline.queue.push(record);
  await pipeline.queue.idle();
  const stormMs = Date.now() - started;

  const { figures, ingested, clean } = await againstClean(pipeline, 'storm');
  // Both tables could agree and still be wrong: the topic names are also checked against the bucket itself.
  const names = await topicNamesFromBucket(pipeline);
  const wrong = { storm: checkTopicNames(ingested, names), clean: checkTopicNames(clean, names) };
  await pipeline.close();
  await dynamo.close();
  return {
    ...{ events: records.length, kinds, deliveries: deliveries.length, stormMs, ...figures },
    failedDeliveries: pipeline.queue.stats().retries,
    topicNames: names.size,
    topicNamesWrong: { storm: wrong.storm.length, clean: wrong.clean.length },
    firstWrongNames: Object.entries(wrong)
      .flatMap(([t, ls]) => ls.map((l) => `${t} ${l}`))
      .slice(0, 12),
  };
}

export async function stormCheck(root: string, o: Options): Promise<Outcome> {
  const [events, seed] = [Number(o.events), Number(o.seed ?? 20210314)];
  const t = await inChild('storm', scenario, { root, events, seed });
  const notes: string[] = [];
  const namesWrong = t.topicNamesWrong.storm + t.topicNamesWrong.clean;
  if (namesWrong > 0)
    notes.push(
      `Topic names not the spelling of the earliest upload in the bucket: ${t.topicNamesWrong.storm} in the storm's table, ${t.topicNamesWrong.clean} in the clean one; first: ${t.firstWrongNames.slice(0, 6).join(' · ')}.`,
    );
  const paths = Object.entries(t.differingPaths).map(([p, n]) => `${p} ${n}`);
  const first = t.firstDifferences.slice(0, 6).join(' · ');
  if (t.differencesFromClean > 0)
    notes.push(`Differing paths (items): ${paths.join(', ')}.`, `First: ${first}`);
  const ok =
    t.differencesFromClean + namesWrong + t.pending + t.duplicates.length + t.countMismatches.length === 0;
  const kinds = Object.entries(t.kinds).map(([k, v]) => `${fmt(v)} ${k}`);
  const lines = [
    `- **Event storm**: ${fmt(t.events)} bucket events (${kinds.join(', ')}), each delivered 3 times in random order ` +
      `(${fmt(t.deliveries)} deliveries, ${sec(t.stormMs)}): ${fmt(t.items)} items vs ${fmt(t.cleanItems)} after a clean ingest, ` +
      `**${fmt(t.differencesFromClean)} differ in content**, ${fmt(t.countersOnlyDifferences)} only in write counters (v, version, revision); ` +
      `${t.pending} half-written, ${t.duplicates.length} duplicates, ${t.countMismatches.length} topic counts off; topic names checked against ` +
      `the bucket (each topic's earliest upload): ${fmt(t.topicNamesWrong.storm)} of ${fmt(t.topicNames)} wrong in the storm's table, ${fmt(t.topicNamesWrong.clean)} in the clean one.`,
  ];
  return { verdict: verdictOf(ok), notes, lines, result: t };
}
