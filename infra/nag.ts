/**
 * cdk-nag (AwsSolutions) findings on resources that the CDK itself adds, which this project cannot change.
 * Findings on our own resources are acknowledged next to them, in their constructs, each with its reason.
 */
import { type Stack, Validations } from 'aws-cdk-lib';

/** The singleton function the CDK adds to configure the bucket's event notifications at deploy time. */
const BUCKET_NOTIFICATIONS_HANDLER = /^BucketNotificationsHandler[0-9a-f]{32}$/;

export function acknowledgeCdkProviders(stack: Stack): void {
  for (const child of stack.node.children) {
    if (!BUCKET_NOTIFICATIONS_HANDLER.test(child.node.id)) continue;
    Validations.of(child).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "The CDK's own bucket-notification handler runs only during deployments to set the bucket's event " +
        'configuration; its role, with the basic execution policy for its logs, is defined by the CDK.',
    });
  }
}
