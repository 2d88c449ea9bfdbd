/**
 * The one DynamoDB table, defined from the adapter's TABLE_SCHEMA so the two cannot drift, and the two exact
 * sets of data-plane actions its readers and writers need.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../shared/store/dynamodb.js';
import { DEFAULTS } from '../settings-defaults.js';

export interface ArticleTableProps {
  /**
   * What happens to the table when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Table deletion protection.
   *
   * @default - on when the removal policy is RETAIN, off otherwise
   */
  readonly deletionProtection?: boolean;
  /**
   * Most read request units a second, for the table and for its index each (DynamoDB on-demand maximum
   * throughput): reads beyond it are throttled, so a surge cannot run up the bill.
   *
   * @default 1000
   */
  readonly maxReadRequestUnits?: number;
}

/**
 * The DynamoDB calls of the IngestStore methods of shared/store/dynamodb.ts
 * (test/integration/infra/grants-used.test.ts records the calls the adapter really makes and checks these
 * lists against them).
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
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: ArticleTableProps = {}) {
    super(scope, id);
    const { partitionKey, sortKey, gsi1, timeToLive } = TABLE_SCHEMA;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const maxReadRequestUnits = props.maxReadRequestUnits ?? DEFAULTS.tableMaxReadRequestUnits;
    const table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      maxReadRequestUnits,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: timeToLive,
      removalPolicy,
      deletionProtection: props.deletionProtection ?? removalPolicy === RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: gsi1.indexName,
      partitionKey: { name: gsi1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: gsi1.sortKey, type: AttributeType.STRING },
      maxReadRequestUnits,
    });
    this.table = table;
  }
}

/** ARN of the table's gsi1 index (the only index; named, not a wildcard). */
export const articleIndexArn = (table: ITable): string =>
  `${table.tableArn}/index/${TABLE_SCHEMA.gsi1.indexName}`;

/** Ingest: reads and writes items of the table (no scan, no index, no table management). */
export function grantIngest(table: ITable, grantee: IGrantable): Grant {
  return Grant.addToPrincipal({ grantee, actions: [...INGEST_ACTIONS], resourceArns: [table.tableArn] });
}

/** Reconcile: what ingest may do, plus scanning and querying the table, and querying its index. */
export function grantReconcile(table: ITable, grantee: IGrantable): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: [...RECONCILE_ACTIONS],
    resourceArns: [table.tableArn],
  }).combine(
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [articleIndexArn(table)] }),
  );
}

/** Feeds: reads items of the table and of its index; nothing else. */
export function grantFeeds(table: ITable, grantee: IGrantable): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: [...FEEDS_ACTIONS],
    resourceArns: [table.tableArn, articleIndexArn(table)],
  });
}
