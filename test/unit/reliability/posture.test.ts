/**
 * Security posture over the whole template, every resource included (CDK's own helper roles too), in the
 * default and a customised deployment. The per-role least-privilege grants, the private bucket, OAC and the
 * cdk-nag findings are asserted in test/integration/infra/stack.test.ts and test/integration/infra/nag.test.ts; these add what would
 * make data public however the roles are written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildStack, cleanOutdirs, props, resourcesOf } from '../../support/infra.js';

type Json = Record<string, unknown>;
const asList = (x: unknown): unknown[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

const builds = {
  default: buildStack(),
  custom: buildStack({
    domainName: 'feeds.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
    alarmEmail: 'ops@example.com',
    removalPolicy: 'destroy',
  }),
};
afterAll(cleanOutdirs);

/** Every policy document in the template, with where it is: identity and resource policies alike. */
function policyDocuments(
  template: ReturnType<typeof buildStack>['template'],
): { where: string; doc: Json }[] {
  const out: { where: string; doc: Json }[] = [];
  const all = template.toJSON().Resources as Record<string, Json>;
  for (const [id, resource] of Object.entries(all)) {
    const p = props(resource);
    for (const key of ['PolicyDocument', 'ResourcePolicy', 'AssumeRolePolicyDocument']) {
      const doc = (key === 'ResourcePolicy' ? (p[key] as Json | undefined)?.PolicyDocument : p[key]) as
        | Json
        | undefined;
      if (doc) out.push({ where: `${id} (${resource.Type}) ${key}`, doc });
    }
    for (const inline of asList(p.Policies) as Json[]) {
      out.push({ where: `${id} (${resource.Type}) inline`, doc: inline.PolicyDocument as Json });
    }
  }
  return out;
}

describe.each(Object.entries(builds))('posture of the %s deployment', (_name, built) => {
  it('grants nothing to everyone: "*" principals appear only in Deny statements', () => {
    const open: string[] = [];
    for (const { where, doc } of policyDocuments(built.template)) {
      for (const s of asList(doc.Statement) as Json[]) {
        const principal = JSON.stringify(s.Principal ?? '');
        if (s.Effect === 'Allow' && /"\*"|^"\*"$/.test(principal))
          open.push(`${where}: ${JSON.stringify(s)}`);
      }
    }
    expect(open).toEqual([]);
    const permissions = Object.values(resourcesOf(built.template, 'AWS::Lambda::Permission')).map(props);
    expect(permissions.filter((p) => p.Principal === '*' || p.FunctionUrlAuthType === 'NONE')).toEqual([]);
  });

  it('keeps the table and the bucket private: no table resource policy, public access blocked', () => {
    for (const table of Object.values(resourcesOf(built.template, 'AWS::DynamoDB::Table'))) {
      expect(props(table).ResourcePolicy).toBeUndefined();
    }
    for (const bucket of Object.values(resourcesOf(built.template, 'AWS::S3::Bucket'))) {
      expect(props(bucket).PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(props(bucket).AccessControl).toBeUndefined();
      expect(props(bucket).WebsiteConfiguration).toBeUndefined();
    }
  });

  it('serves feeds only through CloudFront: every function URL needs IAM auth', () => {
    const urls = Object.values(resourcesOf(built.template, 'AWS::Lambda::Url')).map(props);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.AuthType).toBe('AWS_IAM');
  });

  it('allows no action wildcard (* or service:*) in any identity policy, CDK helper roles included', () => {
    const wild: string[] = [];
    for (const { where, doc } of policyDocuments(built.template)) {
      if (where.includes('AssumeRolePolicyDocument')) continue;
      for (const s of asList(doc.Statement) as Json[]) {
        if (s.Effect !== 'Allow') continue;
        for (const a of asList(s.Action) as string[])
          if (a === '*' || a.endsWith(':*')) wild.push(`${where}: ${a}`);
      }
    }
    expect(wild).toEqual([]);
  });
});
