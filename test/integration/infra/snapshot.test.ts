import { afterAll, expect, it } from 'vitest';
import { buildStack, cleanOutdirs } from '../../support/infra.js';

afterAll(cleanOutdirs);

/** Replaces what changes with the code but not with the infrastructure: asset hashes (bundle contents). */
function normalizeTemplate(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template), (_key, value) =>
    typeof value === 'string' ? value.replace(/[0-9a-f]{64}/g, '<asset-hash>') : value,
  );
}

it('the synthesized template, asset hashes aside, is what the snapshot holds', () => {
  const { template } = buildStack();
  const json = normalizeTemplate(template.toJSON());
  expect(JSON.stringify(json)).not.toMatch(/[0-9a-f]{64}/);
  expect(json).toMatchSnapshot();
});
