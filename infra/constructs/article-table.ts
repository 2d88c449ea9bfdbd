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
  /**
   * Most read request units a second, for the table and for its index each (DynamoDB on-demand maximum
   * throughput): reads beyond it are throttled, so a surge cannot run up the bill.
   */
  maxReadRequestUnits: number;
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

/**
 * The scheduled reconcile: the ingest core's calls for events without a sequencer (the file's and the
 * article's records are read apart, not batched), the scan of file records (FileIndex) and the count queries
 * of the recount (TopicRecount), which read the table and the index (topic slugs).
 */
export const RECONCILE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
  'dynamodb:Query',
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
      maxReadRequestUnits: props.maxReadRequestUnits,
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
      maxReadRequestUnits: props.maxReadRequestUnits,
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

  /** Reconcile: what ingest may do, plus scanning and querying the table, and querying its index. */
  grantReconcile(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...RECONCILE_ACTIONS], resources: [this.table.tableArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [this.indexArn] }),
    );
  }

  /** Feeds: reads items of the table and of its index; nothing else. */
  grantFeeds(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...FEEDS_ACTIONS], resources: [this.table.tableArn, this.indexArn] }),
    );
  }
}
