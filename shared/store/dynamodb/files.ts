/** File records: one item per bucket key, written in S3's event order (the sequencer, compared in the table). */
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unstorable } from '../limits.js';
import { LEGACY_WIDTH } from '../sequencer.js';
import { FILE_FILTER, fileKey, ITEM_ABSENT, rejectedIndexKey } from '../table-layout.js';
import type { FileRecord } from '../types.js';
import { fieldOf, type Item, isConditionFailed, type Table, toItem } from './table.js';

/** How long the tombstone of a deleted file is kept to refuse late, older events for its key. */
const TOMBSTONE_SECONDS = 30 * 24 * 3600;

export class FileItems {
  constructor(private readonly table: Table) {}

  async getFile(key: string): Promise<FileRecord | undefined> {
    const { Item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: toItem(fileKey(key)), ConsistentRead: true }),
    );
    return fieldOf<FileRecord>(Item, 'file');
  }

  async putFile(record: FileRecord, expectSequencer?: string): Promise<boolean> {
    const expires =
      record.status === 'deleted' ? Math.floor(Date.parse(record.at) / 1000) + TOMBSTONE_SECONDS : undefined;
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.name,
          Item: toItem({
            ...fileKey(record.key),
            seq: record.sequencer,
            file: record,
            ...(record.status === 'rejected' ? rejectedIndexKey(record.at, record.key) : {}),
            expiresAt: expires,
          }),
          // A legacy (left-padded) sequencer does not compare with the stored form: only `= :read` replaces it.
          ConditionExpression: `${ITEM_ABSENT} OR (size(seq) <> :legacyWidth AND seq < :seq)${
            expectSequencer === undefined ? '' : ' OR seq = :read'
          }`,
          ExpressionAttributeValues: toItem({
            ':seq': record.sequencer,
            ':legacyWidth': LEGACY_WIDTH,
            ':read': expectSequencer,
          }),
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw unstorable(e) ?? e;
    }
  }

  async getFiles(keys: string[]): Promise<Map<string, FileRecord>> {
    const out = new Map<string, FileRecord>();
    for await (const item of this.table.batchGet(keys.map(fileKey))) {
      const file = fieldOf<FileRecord>(item, 'file');
      if (file) out.set(file.key, file);
    }
    return out;
  }

  async *listFiles(): AsyncIterable<FileRecord> {
    let start: Item | undefined;
    do {
      const page = await this.table.client.send(
        new ScanCommand({
          TableName: this.table.name,
          FilterExpression: FILE_FILTER.FilterExpression,
          ExpressionAttributeValues: toItem(FILE_FILTER.values),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const file = fieldOf<FileRecord>(item, 'file');
        if (file) yield file;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
