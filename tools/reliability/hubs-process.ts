/**
 * Stand-in WebSub hubs in a process of their own, so that what they do costs the stack under test nothing:
 * one down (nothing listens), one that never answers, one that accepts and counts. Prints
 * `{"hubs":{down, hanging, counting}}`; when stopped, `{"heard":{pings (per feed URL), hangingRequests}}`.
 */
import { announce, onStop } from '../lib/procs.js';
import { downHubUrl, startStandInHub } from './stand-in-hub.js';

const down = await downHubUrl();
const hanging = await startStandInHub('hang');
const counting = await startStandInHub('accept', { fetchFeeds: false });
announce('hubs', { down, hanging: hanging.url, counting: counting.url });
onStop(async () => {
  const pings: Record<string, number> = {};
  for (const p of counting.pings) pings[p.url as string] = (pings[p.url as string] ?? 0) + 1;
  announce('heard', { pings, hangingRequests: hanging.requests() });
  await hanging.close();
  await counting.close();
});
