/** Text and HTML renderings of a run (pure): the progress line, the summary table, report.html. */
import type { LoadtestResult } from './result';
import type { LatencySummary, TimelinePoint } from './stats';

/** One server's figures as table cells (the text summary and the HTML report show the same columns). */
function serverCells(server: LoadtestResult['servers'][number]): string[] {
  if (server.error) return [server.target, `/metrics unavailable: ${server.error}`, '', '', '', '', '', '', '', ''];
  return [
    server.target,
    server.instance ?? '–',
    `${formatMs(server.eventLoopLagP99Ms)} ms`,
    `${formatMs(server.eventLoopLagMaxMs)} ms`,
    formatBytes(server.residentMemoryBytes),
    formatBytes(server.heapUsedBytes),
    server.socketsConnected === null ? '–' : formatCount(server.socketsConnected),
    formatPercent(server.cpuPercent),
    server.messagesPersisted === null ? '–' : formatCount(server.messagesPersisted),
    server.messageDeliveries === null ? '–' : formatCount(server.messageDeliveries),
  ];
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return Math.round(value).toString();
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatRate(value: number): string {
  return value >= 100 ? formatCount(value) : value.toFixed(1);
}

export function formatBytes(value: number | null): string {
  if (value === null) return '–';
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatPercent(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(1)} %`;
}

/** The whole machine's CPU over the measured window, as shares of all its cores. */
function machineCpu(result: LoadtestResult): string {
  return `CPU busy ${formatPercent(result.machine.busyPercent)}, steal ${formatPercent(result.machine.stealPercent)} of all cores`;
}

/** The line printed every second while the run goes. */
export function formatProgress(point: TimelinePoint, runP99: number | null, errors: number, pending: number): string {
  const seconds = point.seconds > 0 ? point.seconds : 1;
  const per = (count: number): string => formatRate(count / seconds);
  return (
    `[${Math.round(point.t).toString().padStart(4)}s ${point.phase.padEnd(7)}] ` +
    `sent ${per(point.sent)}/s  acked ${per(point.acked)}/s  delivered ${per(point.delivered)}/s (expected ${per(point.expected)}/s)  ` +
    `p99 ${formatMs(point.p99)} ms (run ${formatMs(runP99)} ms)  errors ${formatCount(errors)}  in flight ${formatCount(pending)}`
  );
}

function deliveriesText(deliveries: LoadtestResult['deliveries']): string {
  const extra = deliveries.ofUnackedSends > 0 ? ` + ${formatCount(deliveries.ofUnackedSends)} of failed or unanswered sends` : '';
  return `${formatCount(deliveries.delivered)} of ${formatCount(deliveries.expected)} expected (${(deliveries.ratio * 100).toFixed(2)} %)${extra}`;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

function latencyRow(name: string, summary: LatencySummary | null): string[] {
  if (!summary) return [name, '–', '–', '–', '–', '–', '0'];
  return [name, formatMs(summary.p50), formatMs(summary.p90), formatMs(summary.p99), formatMs(summary.p999), formatMs(summary.max), formatCount(summary.count)];
}

/** The summary table printed at the end. */
export function renderSummary(result: LoadtestResult, files: string[] = []): string {
  const { config, sends, deliveries, latency, errors } = result;
  const lines: string[] = [];
  lines.push(
    `Parley load test ${result.runId}${result.interrupted ? ' (interrupted)' : ''}: ${config.clients} clients in ${config.rooms} rooms of ${config.roomSize}, ` +
      `${config.rate} msg/s for ${config.duration} s after ${config.warmup} s of warm-up, ${config.size} characters, ` +
      `${config.targets.length} target(s): ${config.targets.join(', ')}`,
  );
  lines.push('');
  lines.push(
    table([
      ['', 'target', 'achieved', ''],
      ['send rate', `${formatRate(sends.targetRate)}/s`, `${formatRate(sends.achievedRate)}/s`, `${formatCount(sends.sent)} of ${formatCount(sends.scheduled)} sent`],
      ['acked', '', '', `${formatCount(sends.acked)} acked, ${formatCount(sends.failed)} failed, ${formatCount(sends.unacked)} unanswered`],
      [
        'deliveries',
        `${formatRate(deliveries.expectedPerSecond)}/s`,
        `${formatRate(deliveries.deliveredPerSecond)}/s`,
        deliveriesText(deliveries),
      ],
    ]),
  );
  lines.push('');
  lines.push(
    table([
      ['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'],
      latencyRow('end-to-end', latency.endToEnd),
      latencyRow('ack', latency.ack),
      latencyRow('send lag', latency.sendLag),
    ]),
  );
  lines.push('');
  const codes = Object.entries(errors.byCode).map(([code, count]) => `${code} ${formatCount(count)}`);
  lines.push(`errors: ${errors.total === 0 ? 'none' : codes.join(', ')}; reconnects: ${formatCount(errors.reconnects)}`);
  lines.push(
    `generator: CPU ${formatPercent(result.generator.cpuPercent)} of a core, event-loop lag p99 ${formatMs(result.generator.eventLoopLagP99Ms)} ms; ` +
      `machine: ${machineCpu(result)}; ` +
      `setup: ${formatCount(result.setup.users)} users (${result.setup.registered} registered, ${result.setup.loggedIn} logged in, ${result.setup.reused} reused) ` +
      `in ${(result.setup.provisionMs / 1000).toFixed(1)} s, connected in ${(result.setup.connectMs / 1000).toFixed(1)} s`,
  );
  lines.push('');
  const serverRows = [['server', 'instance', 'loop lag p99', 'loop lag max', 'RSS', 'heap used', 'sockets', 'CPU', 'persisted', 'deliveries']];
  for (const server of result.servers) serverRows.push(serverCells(server));
  lines.push(table(serverRows));
  for (const note of result.notes) lines.push(`note: ${note}`);
  if (files.length) lines.push('', `results: ${files.join(', ')}`);
  return lines.join('\n');
}

// ---- report.html ----------------------------------------------------------------------------------------

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

/** A round upper bound for an axis (1, 2, 2.5, 5 × 10^n). */
export function niceMax(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

const WIDTH = 960;
const HEIGHT = 380;
const MARGIN = { left: 64, right: 72, top: 34, bottom: 44 };

function tickLabel(value: number): string {
  if (value >= 1000) return formatCount(value);
  return Number.isInteger(value) ? value.toString() : value.toFixed(value < 1 ? 2 : 1);
}

/** Latency (p50, p99; left axis) and deliveries per second (right axis) over time, as inline SVG. */
export function renderChart(timeline: TimelinePoint[], warmup: number): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxT = Math.max(1, ...timeline.map((point) => point.t));
  const latencyMax = niceMax(Math.max(0, ...timeline.map((point) => point.p99 ?? 0)));
  const perSecond = (point: TimelinePoint, count: number): number => count / (point.seconds > 0 ? point.seconds : 1);
  const rateMax = niceMax(Math.max(0, ...timeline.map((point) => Math.max(perSecond(point, point.delivered), perSecond(point, point.expected)))));
  const x = (t: number): number => MARGIN.left + (t / maxT) * plotW;
  const yLatency = (value: number): number => MARGIN.top + plotH - (value / latencyMax) * plotH;
  const yRate = (value: number): number => MARGIN.top + plotH - (value / rateMax) * plotH;
  const path = (values: Array<[number, number | null]>): string => {
    let d = '';
    let drawing = false;
    for (const [px, py] of values) {
      if (py === null) {
        drawing = false;
        continue;
      }
      d += `${drawing ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`;
      drawing = true;
    }
    return d;
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="Latency and deliveries over time">`);
  // Phases: warm-up and drain shaded.
  const warmupEnd = Math.min(warmup, maxT);
  if (warmupEnd > 0) {
    parts.push(`<rect x="${x(0).toFixed(1)}" y="${MARGIN.top}" width="${(x(warmupEnd) - x(0)).toFixed(1)}" height="${plotH}" fill="#f1f1f1"/>`);
    parts.push(`<text x="${(x(0) + 4).toFixed(1)}" y="${MARGIN.top + 14}" font-size="11" fill="#888">warm-up</text>`);
  }
  const drainStart = timeline.find((point) => point.phase === 'drain');
  if (drainStart) {
    const start = drainStart.t - drainStart.seconds;
    parts.push(`<rect x="${x(start).toFixed(1)}" y="${MARGIN.top}" width="${(x(maxT) - x(start)).toFixed(1)}" height="${plotH}" fill="#f6f3ea"/>`);
    parts.push(`<text x="${(x(start) + 4).toFixed(1)}" y="${MARGIN.top + 14}" font-size="11" fill="#888">drain</text>`);
  }
  // Grid and axes.
  for (let i = 0; i <= 5; i++) {
    const fraction = i / 5;
    const y = MARGIN.top + plotH - fraction * plotH;
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#444">${tickLabel(latencyMax * fraction)}</text>`);
    parts.push(`<text x="${MARGIN.left + plotW + 6}" y="${(y + 4).toFixed(1)}" font-size="11" fill="#2a7a3b">${tickLabel(rateMax * fraction)}</text>`);
  }
  const tStep = niceMax(maxT / 8);
  for (let t = 0; t <= maxT + 1e-9; t += tStep) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${MARGIN.top + plotH + 16}" font-size="11" text-anchor="middle" fill="#444">${tickLabel(t)}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" font-size="12" text-anchor="middle" fill="#444">seconds since start</text>`);
  parts.push(`<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle" fill="#444">end-to-end latency (ms)</text>`);
  parts.push(`<text transform="translate(${WIDTH - 10} ${MARGIN.top + plotH / 2}) rotate(90)" font-size="12" text-anchor="middle" fill="#2a7a3b">deliveries per second</text>`);
  // Series.
  const series: Array<{ d: string; color: string; dash?: string; width: number }> = [
    { d: path(timeline.map((p) => [x(p.t), yRate(perSecond(p, p.expected))])), color: '#9bc5a4', dash: '5 4', width: 1.5 },
    { d: path(timeline.map((p) => [x(p.t), yRate(perSecond(p, p.delivered))])), color: '#2a7a3b', width: 1.5 },
    { d: path(timeline.map((p) => [x(p.t), p.p50 === null ? null : yLatency(p.p50)])), color: '#1f5fbf', width: 2 },
    { d: path(timeline.map((p) => [x(p.t), p.p99 === null ? null : yLatency(p.p99)])), color: '#c62828', width: 2 },
  ];
  for (const line of series) {
    if (!line.d) continue;
    parts.push(`<path d="${line.d}" fill="none" stroke="${line.color}" stroke-width="${line.width}"${line.dash ? ` stroke-dasharray="${line.dash}"` : ''}/>`);
  }
  // Legend.
  const legend: Array<[string, string, string?]> = [
    ['p50 latency', '#1f5fbf'],
    ['p99 latency', '#c62828'],
    ['delivered/s', '#2a7a3b'],
    ['expected/s', '#9bc5a4', '5 4'],
  ];
  legend.forEach(([label, color, dash], i) => {
    const lx = MARGIN.left + i * 130;
    const ly = 14;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(`<text x="${lx + 28}" y="${ly + 4}" font-size="11" fill="#222">${label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** report.html: self-contained (inline CSS and SVG, no scripts, no external assets). */
export function renderHtml(result: LoadtestResult): string {
  const { config, sends, deliveries, latency, errors } = result;
  const cell = (value: string): string => `<td>${escapeHtml(value)}</td>`;
  const row = (cells: string[], header = false): string =>
    `<tr>${cells.map((value) => (header ? `<th>${escapeHtml(value)}</th>` : cell(value))).join('')}</tr>`;
  const latencyRows = [
    row(['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'max', 'count'], true),
    row(latencyRow('end-to-end (send → other member)', latency.endToEnd)),
    row(latencyRow('ack (send → committed)', latency.ack)),
    row(latencyRow('send lag (generator)', latency.sendLag)),
  ].join('\n');
  const serverRows = [
    row(['server', 'instance', 'event-loop lag p99', 'lag max', 'RSS', 'heap used', 'sockets', 'CPU', 'persisted', 'deliveries'], true),
    ...result.servers.map((server) => row(serverCells(server))),
  ].join('\n');
  const codes = Object.entries(errors.byCode)
    .map(([code, count]) => `${code} ${formatCount(count)}`)
    .join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Parley load test ${escapeHtml(result.runId)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1140px; color: #222; padding: 0 16px; }
  h1 { font-size: 20px; margin-bottom: 4px; }
  p.meta { color: #555; margin-top: 0; }
  table { border-collapse: collapse; margin: 12px 0 20px; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  th { background: #f6f6f6; font-weight: 600; }
  .notes li { color: #8a4b00; }
  svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Parley load test ${escapeHtml(result.runId)}${result.interrupted ? ' (interrupted)' : ''}</h1>
<p class="meta">${escapeHtml(result.startedAt)} → ${escapeHtml(result.finishedAt)} · ${config.clients} clients in ${config.rooms} rooms of ${config.roomSize} ·
${config.rate} msg/s for ${config.duration} s after ${config.warmup} s of warm-up · ${config.size} characters · ${escapeHtml(config.targets.join(', '))}</p>
${renderChart(result.timeline, config.warmup)}
<table>
${row(['', 'target', 'achieved', ''], true)}
${row(['send rate', `${formatRate(sends.targetRate)}/s`, `${formatRate(sends.achievedRate)}/s`, `${formatCount(sends.sent)} of ${formatCount(sends.scheduled)} sent`])}
${row(['acked', '', '', `${formatCount(sends.acked)} acked, ${formatCount(sends.failed)} failed, ${formatCount(sends.unacked)} unanswered`])}
${row([
  'deliveries',
  `${formatRate(deliveries.expectedPerSecond)}/s`,
  `${formatRate(deliveries.deliveredPerSecond)}/s`,
  deliveriesText(deliveries),
])}
</table>
<table>
${latencyRows}
</table>
<p>Errors: ${escapeHtml(errors.total === 0 ? 'none' : codes)}; reconnects: ${formatCount(errors.reconnects)}.
Generator: CPU ${formatPercent(result.generator.cpuPercent)} of a core, event-loop lag p99 ${formatMs(result.generator.eventLoopLagP99Ms)} ms.
Machine: ${escapeHtml(machineCpu(result))}.</p>
<table>
${serverRows}
</table>
${result.notes.length ? `<ul class="notes">${result.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : ''}
<p class="meta">Latencies are measured from each message's scheduled send time (open loop, no coordinated omission) and
exclude the warm-up. The full figures and the per-second timeline are in results.json.</p>
</body>
</html>
`;
}
