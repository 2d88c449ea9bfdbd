/** Rejected files, newest first, from the index's sparse REJECTED partition (only rejected files are in it). */
import type { Rejection } from '../../article/model.js';
import { INDEX } from '../table-layout.js';
import type { FileRecord } from '../types.js';
import type { Table } from './table.js';

export class RejectionItems {
  constructor(private readonly table: Table) {}

  async listRejections(limit = 1000): Promise<Rejection[]> {
    const out: Rejection[] = [];
    for await (const item of this.table.indexPartition(INDEX.rejected, { newestFirst: true })) {
      const f = item.file as FileRecord;
      out.push({ key: f.key, reason: f.reason ?? 'rejected', at: f.at });
      if (out.length >= limit) break;
    }
    return out;
  }
}
