/**
 * The one structured logger (Powertools Logger: JSON lines). Every line about a file carries its `key`;
 * every line about a request carries its `path`.
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** `logLevel`: LOG_LEVEL of the function's environment (INFO when unset; SILENT for none). */
export function createLogger(serviceName: string, logLevel = process.env.LOG_LEVEL): Logger {
  return new Logger({ serviceName, logLevel: (logLevel as 'INFO' | undefined) ?? 'INFO' });
}

/** The narrow logging interface the cores depend on (Powertools' Logger satisfies it; tests pass a recorder). */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
