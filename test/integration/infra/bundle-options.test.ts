/**
 * The functions' bundle options (infra/constructs/app-function.ts) on the feed renderers: bundled as the CDK
 * construct bundles them, with xml-js reduced to its writer, they write the very bytes the sources write, and
 * xml-js's parser (with sax) stays out of the bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { LOCAL_BUILD_OPTIONS } from '../../../infra/constructs/app-function.js';
import { renderAtom } from '../../../shared/feeds/render/atom.js';
import { renderRss } from '../../../shared/feeds/render/rss.js';
import { REPO_ROOT } from '../../../tools/lib/procs.js';
import { entry, feedDocument } from '../../support/feeds-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'feedbucket-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = feedDocument([entry(1), entry(2, { title: 'Fish & <chips>' })]);

it('bundled as the functions are, RSS and Atom come out byte for byte as from the sources, without the XML parser', async () => {
  const outfile = join(dir, 'renderers.mjs');
  const result = await build({
    ...LOCAL_BUILD_OPTIONS,
    metafile: true,
    outfile,
    stdin: {
      contents: `export { renderRss } from './shared/feeds/render/rss.ts';
export { renderAtom } from './shared/feeds/render/atom.ts';`,
      resolveDir: REPO_ROOT,
      sourcefile: 'renderers.ts',
      loader: 'ts',
    },
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((i) => i.includes('node_modules/xml-js/lib/js2xml.js'))).toBe(true);
  expect(inputs.filter((i) => /node_modules\/(sax|xml-js\/lib\/(xml2js|index))/.test(i))).toEqual([]);

  const bundled = (await import(pathToFileURL(outfile).href)) as {
    renderRss: typeof renderRss;
    renderAtom: typeof renderAtom;
  };
  const rss = bundled.renderRss(doc);
  expect(rss).toContain('<title><![CDATA[Fish & <chips>]]></title>');
  expect(rss).toBe(renderRss(doc));
  expect(bundled.renderAtom(doc)).toBe(renderAtom(doc));
});
