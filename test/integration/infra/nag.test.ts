import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStack, cleanOutdirs } from '../../support/infra.js';

afterAll(cleanOutdirs);

const VARIANTS = {
  default: {},
  'custom domain, destroy, e-mail': {
    domainName: 'feeds.example.com',
    certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
    removalPolicy: 'destroy',
    alarmEmail: 'ops@example.com',
  },
  'WebSub hubs': { websubHubs: 'https://hub.example.net/,https://hub2.example.net/' },
};

interface Acknowledgement {
  path: string;
  id: string;
  reason: unknown;
}

function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, unknown>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** The pack's findings as if nothing were acknowledged. */
function rawFindings(root: IConstruct) {
  const pack = new AwsSolutionsChecks();
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  return pack.validateScope(root).violations;
}

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions (%s)', (_name, context) => {
  const { stack } = buildStack(context);

  it('reports nothing that is not acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const open = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(open).toEqual([]);
  });

  it('gives every acknowledgement a written reason, and each one matches a real finding', () => {
    const acks = acknowledgementsIn(stack);
    expect(acks.length).toBeGreaterThan(0);
    const findings = rawFindings(stack);
    for (const ack of acks) {
      expect(typeof ack.reason, ack.id).toBe('string');
      expect(
        (ack.reason as string).trim().split(/\s+/).length,
        `${ack.id} at ${ack.path}`,
      ).toBeGreaterThanOrEqual(8);
      const matched = findings.some(
        (f) =>
          f.ruleName === ack.id &&
          f.violatingResources.some(
            (r) => r.constructPath === ack.path || r.constructPath?.startsWith(`${ack.path}/`),
          ),
      );
      expect(matched, `${ack.id} at ${ack.path} acknowledges no finding`).toBe(true);
    }
  });
});
