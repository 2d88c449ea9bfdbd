/**
 * The store contract, files: records by bucket key written in S3's event order (the store itself enforces the
 * sequencer order, as S3 orders sequencers), legacy left-padded records, the file index and rejections.
 */
import { expect, it } from 'vitest';
import { LEGACY_WIDTH, storedSequencer } from '../../../shared/store/sequencer.js';
import type { FileRecord } from '../../../shared/store/types.js';
import type { ContractContext } from './context.js';

const record = (key: string, sequencer: string, extra: Partial<FileRecord> = {}): FileRecord => ({
  key,
  sequencer,
  status: 'deleted',
  at: '2026-01-01T00:00:00.000Z',
  ...extra,
});
/** What the code before S3's rule stored: the sequencer left-padded to 32. */
const legacy = (sent: string) => sent.padStart(LEGACY_WIDTH, '0');

export function fileCases({ store, fresh }: ContractContext): void {
  const freshKey = () => `${fresh('seq')}.md`;

  it('files: a record is read back as written; an unknown key has none', async () => {
    const s = store();
    const key = freshKey();
    expect(await s.getFile(key)).toBeUndefined();
    const written = record(key, storedSequencer('A1'), {
      status: 'ok',
      eTag: 'e1',
      articleId: 'id-1',
      parser: 3,
    });
    expect(await s.putFile(written)).toBe(true);
    expect(await s.getFile(key)).toEqual(written);
  });

  it('files: the store orders stored forms as S3 does, without the caller comparing', async () => {
    const s = store();
    const [later, earlier] = [storedSequencer('FF'), storedSequencer('100')]; // "FF0" is after "100"
    const a = freshKey();
    expect(await s.putFile(record(a, earlier))).toBe(true);
    expect(await s.putFile(record(a, later))).toBe(true);
    expect(await s.putFile(record(a, earlier))).toBe(false);
    expect(await s.putFile(record(a, storedSequencer('FF00')))).toBe(false); // the same point as "FF"
    expect((await s.getFile(a))?.sequencer).toBe(later);
  });

  it('files: a legacy record is replaced only by the writer that read it or by a later event', async () => {
    const s = store();
    const old = legacy('0055AED6DCD90281E5');
    const [b1, b2] = [storedSequencer('0055AED6DCD90282'), storedSequencer('0055AED6DCD9028301')];
    // Two events read the legacy record; the earlier writes first, then the later: both are applied.
    const k1 = freshKey();
    await s.putFile(record(k1, old));
    expect(await s.putFile(record(k1, b1), old)).toBe(true);
    expect(await s.putFile(record(k1, b2), old)).toBe(true);
    expect((await s.getFile(k1))?.sequencer).toBe(b2);
    // The later writes first: the earlier, which read the legacy record, is refused.
    const k2 = freshKey();
    await s.putFile(record(k2, old));
    expect(await s.putFile(record(k2, b2), old)).toBe(true);
    expect(await s.putFile(record(k2, b1), old)).toBe(false);
    expect((await s.getFile(k2))?.sequencer).toBe(b2);
    // Without having read it, no stored form replaces a legacy value (the two do not compare as strings).
    const k3 = freshKey();
    await s.putFile(record(k3, old));
    expect(await s.putFile(record(k3, b2))).toBe(false);
    expect((await s.getFile(k3))?.sequencer).toBe(old);
  });

  it('files: the first record of a key is written over "" read (nothing applied yet)', async () => {
    const s = store();
    const key = freshKey();
    expect(await s.putFile(record(key, ''), '')).toBe(true);
    expect(await s.putFile(record(key, storedSequencer('1')), '')).toBe(true);
    expect((await s.getFile(key))?.sequencer).toBe(storedSequencer('1'));
  });

  it('files: a key too long for a partition key is still recorded and read back', async () => {
    const s = store();
    const key = `${fresh('long')}/${'é'.repeat(1100)}.md`;
    expect(
      await s.putFile(record(key, storedSequencer('1'), { status: 'rejected', reason: 'too long' })),
    ).toBe(true);
    expect(await s.getFile(key)).toMatchObject({ key, status: 'rejected', reason: 'too long' });
    expect((await s.getFiles([key])).get(key)?.key).toBe(key);
  });

  it('file index: getFiles returns the records of the keys that have one, over several batches', async () => {
    const s = store();
    const keys = Array.from({ length: 130 }, () => freshKey());
    await Promise.all(keys.slice(0, 120).map((k) => s.putFile(record(k, storedSequencer('2')))));
    const found = await s.getFiles([...keys, keys[0] as string]);
    expect([...found.keys()].sort()).toEqual(keys.slice(0, 120).sort());
    expect(found.get(keys[5] as string)).toEqual(record(keys[5] as string, storedSequencer('2')));
  });

  it('file index: listFiles yields every record, each once', async () => {
    const s = store();
    const prefix = fresh('listed');
    const keys = [`${prefix}/a.md`, `${prefix}/b.md`, `${prefix}/c.md`];
    for (const k of keys) await s.putFile(record(k, storedSequencer('3'), { status: 'ok' }));
    const seen: FileRecord[] = [];
    for await (const f of s.listFiles()) if (f.key.startsWith(`${prefix}/`)) seen.push(f);
    expect(seen.map((f) => f.key).sort()).toEqual(keys);
    expect(seen[0]).toMatchObject({ status: 'ok', sequencer: storedSequencer('3') });
  });

  it('rejections: the files whose latest version is rejected, newest first, up to the limit', async () => {
    const s = store();
    const prefix = fresh('rejected');
    // Far in the future, so no other case's rejection is newer.
    const at = (n: number) => `2999-01-01T00:00:0${n}.000Z`;
    const put = (name: string, n: number, status: FileRecord['status'], seq: string) =>
      s.putFile(
        record(`${prefix}/${name}`, storedSequencer(seq), { status, reason: `bad ${name}`, at: at(n) }),
      );
    await put('a.md', 1, 'rejected', '1');
    await put('b.md', 2, 'rejected', '1');
    await put('c.md', 3, 'rejected', '1');
    await put('c.md', 4, 'ok', '2'); // fixed: no longer listed
    const mine = (await s.listRejections()).filter((r) => r.key.startsWith(`${prefix}/`));
    expect(mine).toEqual([
      { key: `${prefix}/b.md`, reason: 'bad b.md', at: at(2) },
      { key: `${prefix}/a.md`, reason: 'bad a.md', at: at(1) },
    ]);
    expect((await s.listRejections(1)).map((r) => r.key)).toEqual([`${prefix}/b.md`]);
  });
}
