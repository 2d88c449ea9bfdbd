/**
 * Every repository path a comment or a document cites exists: files move, and a comment that points at a file
 * no longer there sends the next reader looking for it. Paths are recognized by their first folder (one of the
 * repository's top-level folders) in comments of source files and anywhere in Markdown.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const TOP = ['functions', 'shared', 'infra', 'local', 'tools', 'test', 'docs', 'examples'];
const PATH = new RegExp(`(?<![\\w./@-])((?:${TOP.join('|')})/[\\w./-]*\\w)`, 'g');
const COMMENT = /^\s*(\*|\/\/|\/\*\*?)|\s\/\/\s/;

const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => /\.(ts|mts|mjs|md)$/.test(f) && !f.includes('/results/') && existsSync(join(ROOT, f)));

function citedPaths(file: string): { line: number; path: string }[] {
  const markdown = file.endsWith('.md');
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .flatMap((text, i) =>
      markdown || COMMENT.test(text)
        ? [...text.matchAll(PATH)].map((m) => ({ line: i + 1, path: (m[1] as string).replace(/\.$/, '') }))
        : [],
    );
}

const exists = (path: string) =>
  existsSync(join(ROOT, path)) || existsSync(join(ROOT, path.replace(/\.js$/, '.ts')));

it('finds the files to read', () => {
  expect(tracked).toContain('docs/ARCHITECTURE.md');
  expect(citedPaths('docs/ARCHITECTURE.md').length).toBeGreaterThan(20);
});

it('cites only paths that exist in the repository', () => {
  const missing = tracked.flatMap((file) =>
    citedPaths(file)
      .filter(({ path }) => !exists(path))
      .map(({ line, path }) => `${file}:${line}: ${path}`),
  );
  expect(missing).toEqual([]);
});
