/**
 * The functions' settings (shared/config.ts): each read from environment-variable-shaped records, every
 * problem named at once with the variable and what is expected; endpoints and the publish queue checked too.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  readEndpoints,
  readIngestConfig,
  readPublishConfig,
  readReconcileConfig,
} from '../../../shared/config.js';

describe('the functions’ settings', () => {
  it('takes the defaults when unset or blank, and trims what is set', () => {
    expect(readIngestConfig({ TABLE_NAME: ' t ', MAX_OBJECT_BYTES: ' ' })).toEqual({
      tableName: 't',
      maxObjectBytes: 1024 * 1024,
    });
    expect(readReconcileConfig({ TABLE_NAME: 't', BUCKET_NAME: 'b' })).toEqual({
      tableName: 't',
      maxObjectBytes: 1024 * 1024,
      bucket: 'b',
      settleSeconds: 60,
    });
  });

  it('names every problem at once, each with its variable and what is expected', () => {
    const read = () => readReconcileConfig({ MAX_OBJECT_BYTES: '1e6', RECOUNT_SETTLE_SECONDS: '601' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      'environment variable TABLE_NAME is required; MAX_OBJECT_BYTES must be a whole number, got "1e6"',
    );
    expect(() => readReconcileConfig({ TABLE_NAME: 't', RECOUNT_SETTLE_SECONDS: '601' })).toThrow(
      'environment variable BUCKET_NAME is required; RECOUNT_SETTLE_SECONDS must be between 0 and 600, got 601',
    );
  });

  it('checks URLs: the publish queue, the local endpoints, the public base URL (no trailing slash)', () => {
    expect(
      readIngestConfig({ TABLE_NAME: 't', PUBLISH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' })
        .publishQueueUrl,
    ).toBe('https://sqs.eu-west-1.amazonaws.com/1/q');
    expect(() => readIngestConfig({ TABLE_NAME: 't', PUBLISH_QUEUE_URL: 'queue' })).toThrow(
      'PUBLISH_QUEUE_URL must be an absolute http(s) URL, got "queue"',
    );
    expect(readEndpoints({})).toEqual({ dynamo: undefined, s3: undefined });
    expect(
      readEndpoints({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567', S3_ENDPOINT: 'http://127.0.0.1:4569/' }),
    ).toEqual({ dynamo: 'http://127.0.0.1:4567', s3: 'http://127.0.0.1:4569' });
    expect(() => readEndpoints({ S3_ENDPOINT: 'file:///tmp' })).toThrow(
      'S3_ENDPOINT must be an absolute http(s) URL, got "file:///tmp"',
    );
    expect(readPublishConfig({ PUBLIC_BASE_URL: 'https://feeds.example.com/' })).toEqual({
      hubs: [],
      publicBaseUrl: 'https://feeds.example.com',
      distributionId: undefined,
    });
    expect(() => readPublishConfig({})).toThrow('environment variable PUBLIC_BASE_URL is required');
  });
});
