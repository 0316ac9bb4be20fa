import { escapeHtml, formatBytes, formatCount, formatMs, formatPercent, formatProgress, formatRate, niceMax, renderChart, renderHtml, renderSummary } from './report';
import { serverFigures } from './prometheus';
import { buildResult } from './result';
import { sampleInputs } from '../../../test/support/unit/loadtest';

describe('report rendering', () => {
  it('formats numbers for people', () => {
    expect(formatMs(null)).toBe('–');
    expect(formatMs(Infinity)).toBe('–');
    expect(formatMs(1.2345)).toBe('1.23');
    expect(formatMs(12.345)).toBe('12.3');
    expect(formatMs(123.45)).toBe('123');
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatRate(12.34)).toBe('12.3');
    expect(formatRate(4500.2)).toBe('4,500');
    expect(formatBytes(null)).toBe('–');
    expect(formatBytes(104857600)).toBe('100.0 MiB');
    expect(formatPercent(null)).toBe('–');
    expect(formatPercent(12.34)).toBe('12.3 %');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('picks round axis maxima', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(NaN)).toBe(1);
    expect(niceMax(0.7)).toBe(1);
    expect(niceMax(1.5)).toBe(2);
    expect(niceMax(2.2)).toBe(2.5);
    expect(niceMax(4)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(4300)).toBe(5000);
  });

  it('prints a progress line per second', () => {
    const line = formatProgress(
      { t: 12.01, phase: 'measure', seconds: 1, sent: 500, acked: 499, failed: 0, delivered: 4490, expected: 4491, p50: 1.5, p99: 3.25, max: 9 },
      4.5,
      2,
      7,
    );
    expect(line).toBe('[  12s measure] sent 500/s  acked 499/s  delivered 4,490/s (expected 4,491/s)  p99 3.25 ms (run 4.50 ms)  errors 2  in flight 7');
    expect(formatProgress({ t: 0.5, phase: 'drain', seconds: 0, sent: 0, acked: 0, failed: 0, delivered: 0, expected: 0, p50: null, p99: null, max: null }, null, 0, 0)).toMatch(
      /p99 – ms \(run – ms\)/,
    );
  });

  it('summarizes a run as a table', () => {
    const inputs = sampleInputs();
    inputs.servers.push(serverFigures('http://127.0.0.1:3001', null, null, 'fetch failed'));
    const text = renderSummary(buildResult({ ...inputs, notes: ['something to know'] }), ['/tmp/results.json']);
    expect(text).toMatch(/Parley load test run00001: 6 clients in 2 rooms of 3, 10 msg\/s for 2 s after 1 s of warm-up/);
    expect(text).toMatch(/send rate\s+10\.0\/s\s+10\.0\/s\s+20 of 20 sent/);
    expect(text).toMatch(/deliveries\s+20\.0\/s\s+\d+\.\d\/s\s+40 of 40 expected \(100\.00 %\)/);
    expect(text).toMatch(/end-to-end\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+40/);
    expect(text).toMatch(/errors: none; reconnects: 0/);
    expect(text).toMatch(/machine: CPU busy 61\.5 %, steal 1\.2 % of all cores/);
    expect(text).toMatch(/http:\/\/127\.0\.0\.1:3000\s+vm:1\s+2\.00 ms/);
    expect(text).toMatch(/http:\/\/127\.0\.0\.1:3001\s+\/metrics unavailable: fetch failed/);
    expect(text).toMatch(/note: something to know/);
    expect(text).toMatch(/results: \/tmp\/results\.json/);
  });

  it('renders a self-contained HTML report with the chart', () => {
    const inputs = sampleInputs({ notes: ['<b>careful</b>'] });
    inputs.stats.recordSent(30, 0, 3000);
    inputs.stats.recordFailure(30, 'rate_limited');
    inputs.stats.recordDelivery(30, 5, 3010);
    inputs.stats.rollover(3.4, 'drain', 0.4);
    inputs.servers.push(serverFigures('http://127.0.0.1:3001', null, null, 'HTTP 500'));
    const html = renderHtml(buildResult(inputs));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).toContain('warm-up');
    expect(html).toContain('drain');
    expect(html).toContain('p99 latency');
    expect(html).toContain('&lt;b&gt;careful&lt;/b&gt;');
    expect(html).toContain('rate_limited 1');
    expect(html).toContain('+ 1 of failed or unanswered sends');
    expect(html).toContain('/metrics unavailable: HTTP 500');
    expect(html).toContain('Machine: CPU busy 61.5 %, steal 1.2 % of all cores.');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1|www\.w3\.org)/);
  });

  it('draws an empty chart without failing, and breaks lines where a second had no deliveries', () => {
    expect(renderChart([], 0)).toContain('</svg>');
    const svg = renderChart(
      [
        { t: 1, phase: 'measure', seconds: 1, sent: 1, acked: 1, failed: 0, delivered: 1, expected: 1, p50: 1, p99: 2, max: 2 },
        { t: 2, phase: 'measure', seconds: 1, sent: 1, acked: 1, failed: 0, delivered: 0, expected: 1, p50: null, p99: null, max: null },
        { t: 3, phase: 'measure', seconds: 1, sent: 1, acked: 1, failed: 0, delivered: 1, expected: 1, p50: 1, p99: 2, max: 2 },
      ],
      0,
    );
    const p99 = /<path d="([^"]+)" fill="none" stroke="#c62828"/.exec(svg)?.[1] ?? '';
    expect(p99.match(/M/g)).toHaveLength(2);
  });
});
