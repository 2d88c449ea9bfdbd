import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  configuredBaseUrl,
  DEFAULTS,
  readSettingsFile,
  resolveSettings,
  SettingsError,
} from '../../../infra/settings.js';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';

/** The problems a bad set of settings is refused with. */
function problemsOf(file: Record<string, unknown>, context: Record<string, unknown> = {}): string[] {
  try {
    resolveSettings(file, context);
  } catch (e) {
    if (e instanceof SettingsError) return e.problems;
    throw e;
  }
  throw new Error('the settings were accepted');
}

describe('resolveSettings', () => {
  it('uses the defaults when nothing is set, and ignores the CDK own context keys', () => {
    const s = resolveSettings(
      {},
      { '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:bundling-stacks': [] },
    );
    expect(s).toMatchObject(DEFAULTS);
    expect(s.deletionProtection).toBe(true);
    expect(s.domainName).toBeUndefined();
    expect(configuredBaseUrl(s)).toBeUndefined();
  });

  it('takes numbers and booleans as the CLI passes them (strings), and context over the file', () => {
    const s = resolveSettings(
      { siteTitle: 'From the file', feedMaxAge: 120, logRetentionDays: 14 },
      { feedMaxAge: '600', deletionProtection: 'false', priceClass: 'All', logRetentionDays: '365' },
    );
    expect(s).toMatchObject({
      siteTitle: 'From the file',
      feedMaxAge: 600,
      deletionProtection: false,
      priceClass: 'All',
      logRetentionDays: 365,
    });
  });

  it('derives the public base URL from a custom domain, and keeps an explicit one without its trailing slash', () => {
    expect(
      configuredBaseUrl(resolveSettings({ domainName: 'feeds.example.com', certificateArn: CERT }, {})),
    ).toBe('https://feeds.example.com');
    expect(configuredBaseUrl(resolveSettings({ publicBaseUrl: 'https://example.com/news/' }, {}))).toBe(
      'https://example.com/news',
    );
  });

  it('turns deletion protection off by default when the removal policy is destroy', () => {
    expect(resolveSettings({ removalPolicy: 'destroy' }, {}).deletionProtection).toBe(false);
  });

  it('reports every problem at once, naming the setting, the value, where it came from and what is expected', () => {
    const problems = problemsOf(
      { feedMaxAge: 'soon', logRetentionDays: 10, feedMaxage: 5 },
      { removalPolicy: 'keep', alarmEmail: 'not-an-address', ingestMemoryMb: '64' },
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^unknown setting "feedMaxage" in feedbucket\.config\.json \(known: .*feedMaxAge/,
      ),
      'removalPolicy must be one of retain, destroy, got "keep" (from CDK context (-c removalPolicy=…))',
      'feedMaxAge must be a whole number between 0 and 86400, got "soon" (from feedbucket.config.json)',
      expect.stringMatching(
        /^logRetentionDays must be one of 1, 3, 5, 7, 14, 30, .*got 10 \(from feedbucket\.config\.json\)$/,
      ),
      'alarmEmail must be an e-mail address, got "not-an-address" (from CDK context (-c alarmEmail=…))',
      'ingestMemoryMb must be between 128 and 10240, got "64" (from CDK context (-c ingestMemoryMb=…))',
    ]);
  });

  it('refuses a custom domain without a certificate, a certificate outside us-east-1, and the reverse', () => {
    expect(problemsOf({ domainName: 'feeds.example.com' })).toEqual([
      expect.stringContaining('domainName is set but certificateArn is not'),
    ]);
    expect(
      problemsOf({
        domainName: 'feeds.example.com',
        certificateArn: CERT.replace('us-east-1', 'eu-west-1'),
      })[0],
    ).toMatch(/certificateArn must be the ARN of an ACM certificate in us-east-1/);
    expect(problemsOf({ certificateArn: CERT })).toEqual([
      expect.stringContaining('certificateArn is set but domainName is not'),
    ]);
    expect(problemsOf({ domainName: 'https://feeds.example.com/', certificateArn: CERT })[0]).toMatch(
      /domainName must be a DNS name such as feeds\.example\.com \(no scheme, no path\)/,
    );
  });

  it('refuses settings that contradict each other', () => {
    expect(problemsOf({ removalPolicy: 'destroy', deletionProtection: true })).toEqual([
      expect.stringContaining('the table could not be deleted; set deletionProtection to false'),
    ]);
    expect(problemsOf({ feedMaxLimit: 20, feedDefaultLimit: 50 })).toEqual([
      'feedDefaultLimit must be between 1 and 20, got 50 (from feedbucket.config.json)',
    ]);
    expect(problemsOf({ feedMaxLimit: 20, feedMergedMaxLimit: 30, feedMaxMergedTopics: 21 })).toEqual([
      'feedMaxMergedTopics must be between 1 and 20, got 21 (from feedbucket.config.json)',
      'feedMergedMaxLimit must be between 1 and 20, got 30 (from feedbucket.config.json)',
    ]);
    expect(problemsOf({ feedTopWindowDays: 0 })).toEqual([
      'feedTopWindowDays must be between 1 and 365, got 0 (from feedbucket.config.json)',
    ]);
  });

  it('refuses stack names CloudFormation would refuse, and URLs that are not URLs', () => {
    expect(problemsOf({ stackName: 'my_stack' })[0]).toMatch(/^stackName must start with a letter/);
    expect(problemsOf({ publicBaseUrl: 'feeds.example.com' })[0]).toMatch(
      /^publicBaseUrl must be an absolute URL/,
    );
    expect(problemsOf({ publicBaseUrl: 'ftp://example.com' })[0]).toMatch(
      /^publicBaseUrl must be an http\(s\) URL/,
    );
  });

  it('takes the reconcile schedule as an EventBridge expression of at most one run an hour', () => {
    for (const ok of [
      'rate(1 day)',
      'rate(7 days)',
      'rate(1 hour)',
      'rate(90 minutes)',
      'cron(0 3 * * ? *)',
    ]) {
      expect(resolveSettings({ reconcileSchedule: ok }, {}).reconcileSchedule).toBe(ok);
    }
    const problem = (value: string) => problemsOf({}, { reconcileSchedule: value })[0];
    expect(problem('rate(2 day)')).toMatch(/^reconcileSchedule must be rate\(1 day\), rate\(2 days\)/);
    expect(problem('rate(1 days)')).toMatch(/the unit singular only for 1/);
    expect(problem('rate(0 hours)')).toMatch(/a positive number/);
    expect(problem('rate(30 minutes)')).toMatch(/at most once an hour/);
    expect(problem('cron(0 3 * * ?)')).toMatch(/six fields/);
    expect(problem('cron(*/5 * * * ? *)')).toMatch(/must fix the minute/);
    expect(problem('daily')).toBe(
      'reconcileSchedule must be an EventBridge schedule expression such as rate(1 day) or cron(0 3 * * ? *), got "daily" (from CDK context (-c reconcileSchedule=…))',
    );
  });

  it('bounds feeds concurrency and the table read rate, and lets the reservation be turned off', () => {
    expect(resolveSettings({}, {})).toMatchObject({
      feedsReservedConcurrency: 10,
      tableMaxReadRequestUnits: 1000,
    });
    expect(
      resolveSettings({}, { feedsReservedConcurrency: 'none' }).feedsReservedConcurrency,
    ).toBeUndefined();
    expect(resolveSettings({ feedsReservedConcurrency: 40 }, {}).feedsReservedConcurrency).toBe(40);
    expect(problemsOf({ feedsReservedConcurrency: 0, tableMaxReadRequestUnits: 5 })).toEqual([
      'feedsReservedConcurrency must be "none" or between 1 and 1000, got 0 (from feedbucket.config.json)',
      'tableMaxReadRequestUnits must be between 10 and 40000, got 5 (from feedbucket.config.json)',
    ]);
    expect(problemsOf({ feedsReservedConcurrency: 'lots' })).toEqual([
      'feedsReservedConcurrency must be "none" or a whole number between 1 and 1000, got "lots" (from feedbucket.config.json)',
    ]);
  });

  it('takes JSON values as they are, and names the setting of a value of the wrong type', () => {
    expect(
      resolveSettings({ deletionProtection: false, feedsReservedConcurrency: ' none ', priceClass: 200 }, {}),
    ).toMatchObject({ deletionProtection: false, feedsReservedConcurrency: undefined, priceClass: '200' });
    expect(
      problemsOf({
        siteTitle: 5,
        feedMaxAge: 1.5,
        deletionProtection: 'yes',
        websubHubs: ['https://a.example/', 3],
      }),
    ).toEqual([
      'siteTitle must be a string, got 5 (from feedbucket.config.json)',
      'feedMaxAge must be a whole number between 0 and 86400, got 1.5 (from feedbucket.config.json)',
      'deletionProtection must be true or false, got "yes" (from feedbucket.config.json)',
      'websubHubs must be a list of hub URLs (a JSON array of strings, or one comma-separated string), got ["https://a.example/",3] (from feedbucket.config.json)',
    ]);
  });

  it('the error message lists each problem on its own line', () => {
    expect(() => resolveSettings({ feedMaxAge: -1, priceClass: 'cheap' }, {})).toThrow(
      /Invalid feedbucket settings:\n {2}- feedMaxAge .*\n {2}- priceClass must be one of 100, 200, All/,
    );
  });
});

describe('readSettingsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedbucket-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads feedbucket.config.json from the working directory when present, and nothing otherwise', () => {
    expect(readSettingsFile(undefined, dir)).toEqual({});
    writeFileSync(join(dir, 'feedbucket.config.json'), JSON.stringify({ siteTitle: 'Mine' }));
    expect(readSettingsFile(undefined, dir)).toEqual({ siteTitle: 'Mine' });
  });

  it('names the file when it is missing, is not JSON or is not one object', () => {
    expect(() => readSettingsFile('prod.json', dir)).toThrow(/settings file .*prod\.json does not exist/);
    writeFileSync(join(dir, 'broken.json'), '{ "siteTitle": ');
    expect(() => readSettingsFile('broken.json', dir)).toThrow(
      /settings file .*broken\.json is not valid JSON/,
    );
    writeFileSync(join(dir, 'list.json'), '[]');
    expect(() => readSettingsFile('list.json', dir)).toThrow(/must hold one JSON object of settings/);
  });
});
