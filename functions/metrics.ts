/**
 * The functions' metrics in AWS (Powertools Metrics: CloudWatch embedded metric format), one namespace for
 * all (POWERTOOLS_METRICS_NAMESPACE, `feedbucket` by default), one service per function. Lambda entries only.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';

export const functionMetrics = (serviceName: string): Metrics =>
  new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'feedbucket', serviceName });

/** The part of Powertools' Metrics the handlers use (all their figures are counts); none locally. */
export interface CountMetrics {
  addMetric(name: string, unit: 'Count', value: number): void;
  publishStoredMetrics(): void;
}
