/** A small hand-written SVG line chart: feed latency (p50, p90) against the number of articles in the table. */

export interface LatencyPoint {
  /** Articles in the table. */
  articles: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  /** The Query alone, when measured. */
  queryP50?: number;
}

const W = 640;
const H = 360;
const M = { left: 64, right: 24, top: 40, bottom: 56 };

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Round numbers for the y axis: 1, 2 or 5 times a power of ten. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
}

const compact = (n: number) =>
  n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(Number(n.toPrecision(3)));

export function latencyChart(
  points: LatencyPoint[],
  title = '50-item topic feed latency against table size',
): string {
  const sorted = [...points].sort((a, b) => a.articles - b.articles);
  const xs = sorted.map((p) => Math.log10(p.articles));
  const xMin = Math.floor(Math.min(...xs));
  const xMax = Math.max(Math.ceil(Math.max(...xs)), xMin + 1);
  const yMaxRaw = Math.max(...sorted.flatMap((p) => [p.p50, p.p90].filter(Number.isFinite)), 0.001) * 1.15;
  const step = niceStep(yMaxRaw, 5);
  const yMax = Math.ceil(yMaxRaw / step) * step;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (articles: number) => M.left + ((Math.log10(articles) - xMin) / (xMax - xMin)) * pw;
  const y = (ms: number) => M.top + ph - (ms / yMax) * ph;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="600">${esc(title)}</text>`,
  );
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${compact(v)}</text>`,
    );
  }
  for (let e = xMin; e <= xMax; e++) {
    const xx = x(10 ** e).toFixed(1);
    parts.push(
      `<line x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + ph}" stroke="#e5e5e5"/>`,
      `<text x="${xx}" y="${M.top + ph + 18}" text-anchor="middle">${compact(10 ** e)}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">articles in the table (log scale)</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`,
  );
  const series: { label: string; value: (p: LatencyPoint) => number; color: string; dash: string }[] = [
    { label: 'feed p50', value: (p) => p.p50, color: '#1f6feb', dash: '' },
    { label: 'feed p90', value: (p) => p.p90, color: '#d1242f', dash: ' stroke-dasharray="6 4"' },
  ];
  if (sorted.every((p) => p.queryP50 !== undefined)) {
    series.push({
      label: 'Query p50',
      value: (p) => p.queryP50 ?? 0,
      color: '#1a7f37',
      dash: ' stroke-dasharray="2 3"',
    });
  }
  for (const s of series) {
    const path = sorted.map((p) => `${x(p.articles).toFixed(1)},${y(s.value(p)).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash}/>`);
    for (const p of sorted) {
      const cx = x(p.articles).toFixed(1);
      const cy = y(s.value(p)).toFixed(1);
      parts.push(
        `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${s.color}"><title>${p.articles.toLocaleString('en-US')} articles: ${s.label} ${s.value(p).toFixed(2)} ms</title></circle>`,
      );
    }
  }
  const lx = W - M.right - 120;
  series.forEach((s, i) => {
    const ly = M.top + 12 + i * 18;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash}/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${s.label}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
