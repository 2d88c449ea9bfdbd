/** CloudFront Functions requests, as much of them as the feeds' viewer-request function reads and writes. */
export interface ViewerRequest {
  headers: Record<string, { value: string }>;
  querystring: Record<string, { value: string; multiValue?: { value: string }[] }>;
}

/** Runs a CloudFront Function's source on an event. */
export function runViewerRequest(code: string): (event: { request: ViewerRequest }) => ViewerRequest {
  return new Function(`${code}\nreturn handler;`)() as (event: { request: ViewerRequest }) => ViewerRequest;
}
