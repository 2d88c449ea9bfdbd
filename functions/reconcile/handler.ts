/**
 * The scheduled reconcile Lambda (EventBridge, `reconcileSchedule`): the bucket against the table through the
 * ingest core, as `npm run reindex -- --changed` does from a machine. Invoked with any event (the schedule's,
 * or `aws lambda invoke` by hand). Files that failed for a transient cause make the invocation fail (after
 * the others were applied), which the ReconcileErrors alarm reports; the next run retries them.
 * This entry reads the settings once per environment and makes the handler with createReconcileHandler.
 */
import { tableAndBucketClients } from '../../shared/clients.js';
import { readEndpoints, readReconcileConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { functionMetrics } from '../metrics.js';
import { createReconcileHandler } from './create.js';

export { STOP_MARGIN_MS } from './create.js';

export const handler = createReconcileHandler({
  config: readReconcileConfig(),
  ...tableAndBucketClients(readEndpoints()),
  log: createLogger('reconcile'),
  metrics: functionMetrics('reconcile'),
});
