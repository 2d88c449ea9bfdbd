/**
 * Content never causes a transient failure: through the real ingest handler, the real AWS SDK, dynalite (with
 * DynamoDB's UTF-8 sizes) and s3rver, every file ends ingested or rejected with a reason, never as a batch
 * item failure (which would retry it for ever locally and send it to the dead-letter queue in AWS).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import type { DynamoStore } from '../../../shared/store/dynamodb.js';
import { articleFile } from '../../support/articles.js';
import { type IngestHandlerStack, startIngestHandler } from '../../support/ingest-handler.js';

const BUCKET = 'articles';
let stack: IngestHandlerStack;
let s3: LocalS3;
let store: DynamoStore;
let handler: IngestHandlerStack['handler'];
let sequencer = 0x20_0000;
let messageId = 0;

beforeAll(async () => {
  stack = await startIngestHandler(BUCKET, 'feedbucket-content');
  ({ s3, store, handler } = stack);
});

afterAll(() => stack?.close());

/** One S3 notification for `key` in an SQS message, shaped as AWS documents both. */
function message(key: string, size: number) {
  const record = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'ingest',
      bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}`, ownerIdentity: { principalId: 'x' } },
      object: {
        key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
        size,
        sequencer: (sequencer++).toString(16).toUpperCase(),
      },
    },
  };
  return {
    messageId: `m${messageId++}`,
    eventSource: 'aws:sqs',
    body: JSON.stringify({ Records: [record] }),
  };
}

/** Uploads the files (unless `upload` is false), delivers them in one SQS batch: the handler's answer. */
async function deliver(files: [key: string, body: string][], upload = true): Promise<SQSBatchResponse> {
  if (upload) {
    await Promise.all(
      files.map(([Key, Body]) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }))),
    );
  }
  const Records = files.map(([key, body]) => message(key, Buffer.byteLength(body)));
  return handler({ Records } as unknown as SQSEvent);
}

const NONE: SQSBatchResponse = { batchItemFailures: [] };

/**
 * A key of exactly `bytes` UTF-8 bytes, mostly CJK, ending in ".md": folders of 240 bytes, as a file system
 * (s3rver's store) holds names of at most 255 bytes.
 */
function longKey(prefix: string, bytes: number): string {
  let key = prefix;
  while (Buffer.byteLength(key) + 241 + 3 <= bytes) key += `${'鍵'.repeat(80)}/`;
  return `${key}${'a'.repeat(bytes - Buffer.byteLength(key) - 3)}.md`;
}
const rejections = async () => new Map((await store.listRejections()).map((r) => [r.key, r.reason]));

describe('numbers DynamoDB cannot hold', () => {
  it('are dropped with a warning and the article is stored without them', async () => {
    const files: [string, string][] = [
      ['numbers/heat.md', 'heat: 1e20'],
      ['numbers/quality.md', 'quality: 1e-200'],
      ['numbers/width.md', 'images:\n  - url: "https://img.example.com/a.png"\n    width: 1e300'],
      ['numbers/digits.md', 'heat: 123456789012345678901234567890'],
      ['numbers/negative.md', 'quality: -9007199254740992'],
    ].map(([key, extra], i) => [
      key as string,
      articleFile({ webUrl: `https://example.com/numbers/${i}`, title: `N${i}`, topics: ['Numbers'], extra }),
    ]);
    expect(await deliver(files)).toEqual(NONE);
    const entries = (await store.queryEntries('numbers', 20)).entries;
    expect(entries.map((e) => e.title).sort()).toEqual(['N0', 'N1', 'N2', 'N3', 'N4']);
    for (const e of entries) {
      expect(e.heat).toBeUndefined();
      expect(e.quality).toBeUndefined();
      expect(e.image?.width).toBeUndefined();
    }
  });
});

describe('sizes, measured in UTF-8 bytes as DynamoDB does', () => {
  it('rejects an article too large once rendered, with its size and what to shorten', async () => {
    // 140,000 CJK characters: within the body's character limit, 420 KB in UTF-8.
    const body = '北'.repeat(140_000);
    const key = 'sizes/cjk.md';
    expect(await deliver([[key, articleFile({ webUrl: 'https://example.com/cjk', body })]])).toEqual(NONE);
    expect((await rejections()).get(key)).toMatch(
      /^the article takes 41\d KB as a table item once rendered; at most 384 KB can be stored: shorten the body/,
    );
  });

  it("rejects, as the store's refusal, what outgrows the item after the first check", async () => {
    // An article just within the first check; each further file with its link adds its key (about 1 KB)
    // to the article's record, until DynamoDB refuses the item: that file is rejected, the others stay.
    const link = 'https://example.com/grows';
    // 388,500 bytes of CJK text (129,500 characters: within the body's limit).
    const body = '北'.repeat(129_500);
    const files: [string, string][] = Array.from({ length: 20 }, (_, i) => [
      longKey(`grows/${i}/`, 1000),
      articleFile({ webUrl: link, title: `G${i}`, topics: ['Grows'], body }),
    ]);
    for (const file of files) expect(await deliver([file])).toEqual(NONE);
    const refused = await rejections();
    const grown = files.filter(([key]) => refused.has(key));
    expect(grown.length).toBeGreaterThan(0);
    for (const [key] of grown) {
      expect(refused.get(key)).toMatch(
        /^the article is too large for a table item \(DynamoDB: "Item size has exceeded the maximum allowed size"\): shorten/,
      );
    }
    // The article stays, shown by the newest file the table could list.
    expect((await store.queryEntries('grows', 5)).entries).toHaveLength(1);
  });
});

describe('bucket keys', () => {
  it('lists the rejection of a file whose key fills the 1024 bytes S3 allows', async () => {
    // `<at>#<key>` is over the 1024 bytes of an index sort key: it is cut, the record keeps the whole key.
    const key = longKey('keys/', 1024);
    expect(await deliver([[key, '---\ntitle: [broken\n---\n']])).toEqual(NONE);
    expect((await rejections()).get(key)).toMatch(/not valid YAML/);
  });

  it('rejects a key longer than S3 allows, and records it even when too long for a partition key', async () => {
    // A local bucket may hold such keys; AWS's never does. Neither file is read.
    const over = longKey('keys/', 1025);
    const far = longKey('keys/', 2100);
    const files: [string, string][] = [
      [over, articleFile()],
      [far, articleFile()],
    ];
    expect(await deliver(files, false)).toEqual(NONE);
    const refused = await rejections();
    expect(refused.get(over)).toBe(
      "the file's name (its bucket key) takes 1,025 bytes in UTF-8; S3 keys hold at most 1,024: shorten it",
    );
    expect(refused.get(far)).toMatch(/takes 2,100 bytes in UTF-8; S3 keys hold at most 1,024/);
    // The same events again are stale: nothing loops.
    expect(await store.getFile(far)).toMatchObject({ status: 'rejected', key: far });
  });

  it('logs, and does not retry, a rejection whose own record the table refuses', async () => {
    // A key of 420 KB (no bucket holds one): even the record of its rejection is over 400 KB.
    const huge = `keys/${'k'.repeat(420 * 1024)}.md`;
    expect(await deliver([[huge, articleFile()]], false)).toEqual(NONE);
    expect(await store.getFile(huge)).toBeUndefined();
  });
});

// ---- generated front matter ----

/** Numbers as YAML writes them, at and beyond what DynamoDB and JavaScript hold. */
const extremeNumber = fc.oneof(
  fc.constantFrom(
    '1e20',
    '1e-200',
    '1e300',
    '-1e300',
    '1e-130',
    '9.99e125',
    '1e126',
    '5e-324',
    '9007199254740991',
    '9007199254740992',
    '123456789012345678901234567890',
    '1.23456789012345678901234567890123456789',
    '.inf',
    '-.inf',
    '.nan',
    '0',
    '-0',
  ),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : '.nan')),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
);

const CJK = fc.constantFrom(...'北朝鮮東京한국어中文字符');
const ASTRAL = fc.constantFrom(...['😀', '𝔘', '𠀋', '🏳️‍🌈']);
const CONTROL = fc.constantFrom('\u0000', '\u0007', '\u001b', '\u0085', '\ufffe', '\ud800', '\udfff');
/** Text of every kind: CJK, astral, control characters, plain; short or long. */
const extremeText = fc.oneof(
  fc.string({ unit: fc.oneof(CJK, ASTRAL, CONTROL, fc.constantFrom('a', ' ', '#', ':')), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.oneof(CJK, ASTRAL), fc.integer({ min: 900, max: 1200 })).map(([c, n]) => c.repeat(n)),
);

const frontMatter = fc.record({
  title: extremeText,
  excerpt: extremeText,
  topic: extremeText,
  heat: extremeNumber,
  quality: extremeNumber,
  width: extremeNumber,
  height: extremeNumber,
  body: fc.oneof(
    { weight: 5, arbitrary: extremeText },
    // Over 400 KB in UTF-8, under the body's character limit.
    { weight: 1, arbitrary: fc.oneof(CJK, ASTRAL).map((c) => c.repeat(135_000)) },
  ),
});

/** A file from generated values; strings are JSON-quoted (YAML reads JSON strings), numbers as written. */
function generatedFile(f: typeof frontMatter extends fc.Arbitrary<infer T> ? T : never, i: number): string {
  return [
    '---',
    `title: ${JSON.stringify(f.title)}`,
    `excerpt: ${JSON.stringify(f.excerpt)}`,
    `webUrl: "https://example.com/generated/${i}"`,
    'publishedDateTime: 2021-03-14T01:27:54Z',
    `heat: ${f.heat}`,
    `quality: ${f.quality}`,
    'topics:',
    `  - ${JSON.stringify(f.topic)}`,
    'images:',
    '  - url: "https://img.example.com/g.png"',
    `    width: ${f.width}`,
    `    height: ${f.height}`,
    '---',
    f.body,
  ].join('\n');
}

describe('generated front matter with extreme numbers and strings', () => {
  it('every file ends ingested or rejected with a reason, never as a transient failure', async () => {
    let file = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frontMatter, { minLength: 1, maxLength: 4 }), async (batch) => {
        const files: [string, string][] = batch.map((f) => {
          const i = file++;
          return [`generated/${i}.md`, generatedFile(f, i)];
        });
        expect(await deliver(files)).toEqual(NONE);
        for (const [key] of files) {
          const record = await store.getFile(key);
          expect(
            record?.status === 'ok' || (record?.status === 'rejected' && (record.reason ?? '') !== ''),
          ).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
    // Some of each: the generators reach both ends.
    const records = await store.getFiles(Array.from({ length: file }, (_, i) => `generated/${i}.md`));
    const statuses = new Set([...records.values()].map((r) => r.status));
    expect(statuses).toEqual(new Set(['ok', 'rejected']));
    expect((await store.queryEntries(ALL, 1)).entries).toHaveLength(1);
  });
});
