/** The feeds app's request and response, plain data that knows nothing of Lambda or node:http. */

export interface FeedsRequest {
  method: string;
  /** The path as received (percent-encoded), without the query. */
  path: string;
  query?: URLSearchParams | Record<string, string | undefined>;
  /** Lower-case header names. */
  headers?: Record<string, string | undefined>;
}

export interface FeedsResponse {
  status: number;
  /** Shared with the render cache: treat as read-only. */
  headers: Readonly<Record<string, string>>;
  /** Text, or content-coded bytes (a Buffer: the Lambda adapter sends those base64-encoded). */
  body: string | Buffer;
}

export interface FeedsApp {
  (req: FeedsRequest): Promise<FeedsResponse>;
  /** The same answer, synchronous when it needs no I/O (a warm hit, a 304): adapters may use it instead. */
  serve?(req: FeedsRequest): FeedsResponse | Promise<FeedsResponse>;
  /**
   * The table changed (the local stack says so after each ingest batch): metadata read before now answers no
   * more requests, so that the change shows at the next one. Without it, a read serves its reuse window.
   */
  tableChanged?(): void;
}

/** A query parameter (the first when repeated). */
export function param(query: FeedsRequest['query'], name: string): string | undefined {
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  return query?.[name];
}

/** The query as it was sent (for a redirect), without the `?`. */
export function rawQuery(query: FeedsRequest['query']): string {
  return new URLSearchParams(
    query instanceof URLSearchParams
      ? query
      : Object.entries(query ?? {}).filter((kv): kv is [string, string] => kv[1] !== undefined),
  ).toString();
}

/** `?k=v&…` of the parameters given (in their order), or '' for none. */
export function queryString(params: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params))
    if (v !== undefined) parts.push(`${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
