import { afterEach, describe, expect, it, vi } from 'vitest';
import { fmt, StatusConsole } from '../../../local/console.js';

const sink = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { out: { isTTY, write: (t: string) => chunks.push(t) }, chunks };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('StatusConsole', () => {
  it('on a terminal, redraws one status line in place and keeps log lines above it', () => {
    vi.useFakeTimers();
    const { out, chunks } = sink(true);
    const c = new StatusConsole(out, { ttyIntervalMs: 100 });
    let done = 0;
    c.startStatus(() => `ingested ${fmt(done)} / ${fmt(10_000)}, 2 rejected`);
    done = 3200;
    vi.advanceTimersByTime(100);
    c.log('rejected  bad.md: title is missing');
    c.endStatus('ingested 10,000 / 10,000, 2 rejected in 9.0 s');
    const text = chunks.join('');
    expect(text).toContain('\r\x1b[2Kingested 3,200 / 10,000, 2 rejected');
    // The log line clears the status line first, and the status is drawn again after it.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal control sequences are what is tested.
    expect(text).toMatch(/\r\x1b\[2Krejected {2}bad\.md: title is missing\n\r\x1b\[2Kingested 3,200/);
    expect(text.endsWith('\r\x1b[2Kingested 10,000 / 10,000, 2 rejected in 9.0 s\n')).toBe(true);
  });

  it('in a file or pipe, prints the status as plain lines now and then, without control characters', () => {
    vi.useFakeTimers();
    const { out, chunks } = sink(false);
    const c = new StatusConsole(out, { plainIntervalMs: 1000 });
    let done = 0;
    c.startStatus(() => `ingested ${fmt(done)} / 500, 0 rejected`);
    done = 100;
    vi.advanceTimersByTime(1000);
    done = 300;
    vi.advanceTimersByTime(1000);
    c.endStatus('ingested 500 / 500, 0 rejected in 2.0 s');
    expect(chunks).toEqual([
      'ingested 100 / 500, 0 rejected\n',
      'ingested 300 / 500, 0 rejected\n',
      'ingested 500 / 500, 0 rejected in 2.0 s\n',
    ]);
  });
});
