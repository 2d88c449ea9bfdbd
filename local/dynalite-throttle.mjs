// Throttle mode of the local DynamoDB (DYNAMO_THROTTLE=0.2 for npm start): a share of the data requests is
// answered as DynamoDB answers a table over its throughput: HTTP 400 with a
// ProvisionedThroughputExceededException body, which the AWS SDK classifies as throttling and retries with
// its throttling back-off. Table management (CreateTable, DescribeTable…) is never throttled here.
// Plain JavaScript: the dynalite worker thread loads it without a TypeScript loader.
import { randomUUID } from 'node:crypto';

const DATA_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

const BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message:
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
});

/**
 * Puts a throttle in front of a dynalite server's request handler. Returns its controls: `set(share)` changes
 * the share (0 to 1) at any time; `counts` tells the data requests seen and those throttled.
 */
export function throttleDynalite(server, share = 0) {
  const state = { share: Number(share) || 0 };
  const counts = { requests: 0, throttled: 0 };
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1];
    if (DATA_OPERATIONS.has(operation)) {
      counts.requests++;
      if (state.share > 0 && Math.random() < state.share) {
        counts.throttled++;
        req.resume();
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(BODY),
          'x-amzn-requestid': randomUUID(),
        });
        res.end(BODY);
        return;
      }
    }
    for (const handler of handlers) handler.call(server, req, res);
  });
  return {
    set: (next) => {
      state.share = Number(next) || 0;
    },
    counts,
  };
}
