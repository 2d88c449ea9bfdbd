/** Fakes for unit tests of the ingest core: an object source in memory and a log that records. */
import type { ObjectSource, StoredObject } from '../../shared/ingest/objects.js';
import type { Log } from '../../shared/logger.js';

export class MemoryObjects implements ObjectSource {
  readonly objects = new Map<string, StoredObject>();
  private etag = 0;

  put(key: string, content: string | Uint8Array): StoredObject {
    const body = typeof content === 'string' ? Buffer.from(content) : content;
    const object = { body, eTag: `etag-${++this.etag}` };
    this.objects.set(key, object);
    return object;
  }

  delete(key: string): void {
    this.objects.delete(key);
  }

  async get(_bucket: string, key: string) {
    return this.objects.get(key);
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>;
}

export class RecordingLog implements Log {
  readonly lines: LogLine[] = [];
  private add(level: LogLine['level'], message: string, extra: Record<string, unknown>[]) {
    this.lines.push({ level, message, extra: Object.assign({}, ...extra) });
  }
  debug(message: string, ...extra: Record<string, unknown>[]) {
    this.add('debug', message, extra);
  }
  info(message: string, ...extra: Record<string, unknown>[]) {
    this.add('info', message, extra);
  }
  warn(message: string, ...extra: Record<string, unknown>[]) {
    this.add('warn', message, extra);
  }
  error(message: string, ...extra: Record<string, unknown>[]) {
    this.add('error', message, extra);
  }
  errors() {
    return this.lines.filter((l) => l.level === 'error');
  }
}
