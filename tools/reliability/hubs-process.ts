/**
 * Stand-in WebSub hubs in a process of their own, so that what they do costs the stack under test nothing:
 * one down (nothing listens), one that never answers, one that accepts and counts. Prints
 * `{"hubs":{down, hanging, counting}}`; when its stdin closes, `{"heard":{pings (per feed URL), hangingRequests}}`.
 *
 *   node --import tsx reliability/hubs-process.ts
 */
import { downHubUrl, startStandInHub } from './stand-in-hub.js';

const down = await downHubUrl();
const hanging = await startStandInHub('hang');
const counting = await startStandInHub('accept', { fetchFeeds: false });
process.stdout.write(`${JSON.stringify({ hubs: { down, hanging: hanging.url, counting: counting.url } })}\n`);

process.stdin.on('end', async () => {
  const pings: Record<string, number> = {};
  for (const p of counting.pings) pings[p.url as string] = (pings[p.url as string] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ heard: { pings, hangingRequests: hanging.requests() } })}\n`);
  await hanging.close();
  await counting.close();
  process.exit(0);
});
process.stdin.resume();
