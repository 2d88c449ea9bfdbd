/**
 * The feeds' CloudFront viewer-request function: what it keeps of a query string and the host header it adds.
 * The generated source is run as CloudFront would run it, on events shaped as CloudFront Functions document
 * them (a parameter given twice carries multiValue).
 */
import { describe, expect, it } from 'vitest';
import { viewerRequestCode } from '../../../infra/constructs/viewer-request.js';
import { runViewerRequest, type ViewerRequest } from '../../support/viewer-request.js';

const request = (querystring: ViewerRequest['querystring']): { request: ViewerRequest } => ({
  request: { headers: { host: { value: 'd111111abcdef8.cloudfront.net' } }, querystring },
});

describe('the viewer-request function', () => {
  const keepOnly = runViewerRequest(viewerRequestCode({ keepQuery: ['limit', 'filter', 'minQuality'] }));

  it('keeps the listed parameters, repeated values included, and drops every other one', () => {
    const out = keepOnly(
      request({
        limit: { value: '5' },
        filter: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b|c' }] },
        utm_source: { value: 'x' },
        fbclid: { value: 'y' },
      }),
    );
    expect(out.querystring).toEqual({
      limit: { value: '5' },
      filter: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b|c' }] },
    });
  });

  it('compares names exactly, as the cache key does (case, and names of Object.prototype)', () => {
    const out = keepOnly(
      request({
        MinQuality: { value: '1' },
        LIMIT: { value: '2' },
        toString: { value: '3' },
        hasOwnProperty: { value: '4' },
        minQuality: { value: '150' },
      }),
    );
    expect(Object.keys(out.querystring)).toEqual(['minQuality']);
  });

  it('leaves the headers alone unless told to forward the host', () => {
    expect(keepOnly(request({})).headers).toEqual({ host: { value: 'd111111abcdef8.cloudfront.net' } });
    const forward = runViewerRequest(
      viewerRequestCode({ keepQuery: [], forwardHostHeader: 'x-forwarded-host' }),
    );
    expect(forward(request({ limit: { value: '5' } }))).toEqual({
      headers: {
        host: { value: 'd111111abcdef8.cloudfront.net' },
        'x-forwarded-host': { value: 'd111111abcdef8.cloudfront.net' },
      },
      querystring: {},
    });
  });
});
