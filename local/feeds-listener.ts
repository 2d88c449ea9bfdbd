/**
 * The local server's way to the feeds function, as thin as the Lambda adapter: a request becomes the
 * FeedsRequest that the Lambda adapter makes of the Function URL event for it (the same headers, as a Function
 * URL passes them), the app behind the real handler answers within the handler's deadline, and its response is
 * written as the Function URL would write the result, without building the event or the result's JSON.
 * What AWS does stays: a request body over 6 MB is a 413; a result over 6 MB as Lambda counts it (JSON,
 * base64 included) is a 502 (counted in full only when the body could reach it); the deadline's 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { feedsEntryOf, toResult } from '../functions/feeds/lambda.js';
import type { FeedsRequest, FeedsResponse } from '../shared/feeds/app.js';
import {
  answerFailure,
  checkResponseSize,
  domainNameOf,
  type FunctionUrlHandler,
  functionUrlHeaders,
  functionUrlListener,
  MAX_RESPONSE_PAYLOAD_BYTES,
  readBody,
  SURELY_SMALL_BODY,
  writeResponse,
} from './function-url.js';

/** Below this many bytes a body's base64 (no JSON escaping) cannot reach the limit, headers included. */
const SURELY_SMALL_BINARY = ((MAX_RESPONSE_PAYLOAD_BYTES - 64 * 1024) / 4) * 3;

/** The request the Lambda adapter would make of this request's Function URL event. */
export function feedsRequestOf(req: IncomingMessage): FeedsRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const { headers } = functionUrlHeaders(req);
  headers.host ??= domainNameOf(req, headers);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: (q === -1 ? url : url.slice(0, q)) || '/',
    query: q === -1 ? undefined : new URLSearchParams(url.slice(q + 1)),
    headers,
  };
}

/** Fails a response Lambda would refuse to return (ResponseTooLargeError: the Function URL answers 502). */
function checkSize(out: FeedsResponse): void {
  const small =
    typeof out.body === 'string'
      ? out.body.length < SURELY_SMALL_BODY
      : out.body.length < SURELY_SMALL_BINARY;
  if (!small) checkResponseSize(toResult(out));
}

/**
 * A request listener for a feeds handler made by lambdaHandler: straight to the app behind it. Any other
 * handler goes through the Function URL event round trip (functionUrlListener).
 */
export function feedsListener(
  handler: FunctionUrlHandler,
  onError: (error: unknown, req: IncomingMessage) => void = () => {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const entry = feedsEntryOf(handler);
  if (!entry) return functionUrlListener(handler, onError);

  const respond = (req: IncomingMessage, res: ServerResponse, out: FeedsResponse) => {
    try {
      checkSize(out);
      writeResponse(req, res, out.status, out.headers, out.body);
    } catch (error) {
      answerFailure(req, res, error, onError);
    }
  };
  const answer = (req: IncomingMessage, res: ServerResponse, freq: FeedsRequest) => {
    let out: FeedsResponse | Promise<FeedsResponse>;
    try {
      out = entry(freq);
    } catch (error) {
      answerFailure(req, res, error, onError);
      return;
    }
    if (out instanceof Promise) {
      out.then(
        (o) => respond(req, res, o),
        (error: unknown) => answerFailure(req, res, error, onError),
      );
    } else {
      respond(req, res, out);
    }
  };
  return (req, res) => {
    const freq = feedsRequestOf(req);
    // Most requests (GET, HEAD) announce no body; one that does is read (and refused over 6 MB), then ignored.
    const length = freq.headers?.['content-length'];
    if (freq.headers?.['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
      answer(req, res, freq);
      return;
    }
    readBody(req).then(
      () => answer(req, res, freq),
      (error: unknown) => answerFailure(req, res, error, onError),
    );
  };
}
