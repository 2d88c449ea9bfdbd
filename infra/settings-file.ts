/** The optional settings file (JSON), and the error every settings problem is reported with. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`Invalid feedbucket settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads the optional settings file. `path` is explicit (context `config`), else `feedbucket.config.json` in the
 * working directory when it exists.
 */
export function readSettingsFile(path: string | undefined, cwd = process.cwd()): Record<string, unknown> {
  const file = resolve(cwd, path ?? 'feedbucket.config.json');
  if (!existsSync(file)) {
    if (path !== undefined)
      throw new SettingsError([`settings file ${file} does not exist (context "config")`]);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SettingsError([`settings file ${file} is not valid JSON: ${(e as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SettingsError([`settings file ${file} must hold one JSON object of settings`]);
  }
  return parsed as Record<string, unknown>;
}
