/**
 * The one DynamoDB table, defined from the adapter's TABLE_SCHEMA so the two cannot drift, and the two exact
 * sets of data-plane actions its readers and writers need.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../shared/store/dynamodb.js';

export interface ArticleTableProps {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

/**
 * The DynamoDB calls of the IngestStore methods of shared/store/dynamodb.ts (test/infra/table-actions.test.ts
 * records the calls the adapter really makes and checks these lists against them).
 */
export const INGEST_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** The DynamoDB calls of the FeedStore methods: the table and the gsi1 index (listing topics). */
export const FEEDS_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

export class ArticleTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ArticleTableProps) {
    super(scope, id);
    const { partitionKey, sortKey, gsi1, timeToLive } = TABLE_SCHEMA;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: timeToLive,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.deletionProtection,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: gsi1.indexName,
      partitionKey: { name: gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: gsi1.sortKey, type: AttributeType.STRING },
    });
  }

  /** ARN of the gsi1 index (the only index; named, not a wildcard). */
  get indexArn(): string {
    return `${this.table.tableArn}/index/${TABLE_SCHEMA.gsi1.indexName}`;
  }

  /** Ingest: reads and writes items of the table (no scan, no index, no table management). */
  grantIngest(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...INGEST_ACTIONS], resources: [this.table.tableArn] }),
    );
  }

  /** Feeds: reads items of the table and of its index; nothing else. */
  grantFeeds(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...FEEDS_ACTIONS], resources: [this.table.tableArn, this.indexArn] }),
    );
  }
}
