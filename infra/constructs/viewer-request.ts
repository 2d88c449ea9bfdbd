/**
 * The CloudFront Function that sees every viewer request of the feeds before the cache does. It keeps only the
 * query parameters the feeds read, so the cache policy can key on all query strings and still key on exactly
 * those: a cache policy may name at most 10 query strings (CloudFront's quota "Query strings per cache
 * policy"), and the feeds read more. Any other parameter is dropped here, so it can neither split the cache nor
 * reach the function. Without a configured base URL it also copies the viewer's Host into a header the feeds
 * read to learn their public host.
 *
 * The code runs in CloudFront's JavaScript runtime 2.0, not Node.js: it is written as plain ES5 functions, and
 * generated here so that the parameter list has one source (FEED_QUERY_PARAMETERS).
 */

export interface ViewerRequestOptions {
  /** The query parameters kept (case-sensitive, as CloudFront compares them); every other one is dropped. */
  readonly keepQuery: readonly string[];
  /** When set, the viewer's Host is copied into this request header. @default no header is set */
  readonly forwardHostHeader?: string;
}

/** The function's source. */
export function viewerRequestCode(options: ViewerRequestOptions): string {
  const keep = JSON.stringify(Object.fromEntries(options.keepQuery.map((name) => [name, true])));
  const host = options.forwardHostHeader
    ? `\n  request.headers[${JSON.stringify(options.forwardHostHeader)}] = { value: request.headers.host.value };`
    : '';
  return `var KEEP = ${keep};
function handler(event) {
  var request = event.request;
  var query = request.querystring;
  for (var name in query) {
    if (!Object.prototype.hasOwnProperty.call(KEEP, name)) delete query[name];
  }${host}
  return request;
}`;
}
