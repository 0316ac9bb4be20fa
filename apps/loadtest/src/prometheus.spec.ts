import { parsePrometheus, serverFigures, snapshotOf } from './prometheus';

const TEXT = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{instance="vm:1"} 12.5
process_resident_memory_bytes{instance="vm:1"} 104857600
nodejs_eventloop_lag_seconds{instance="vm:1"} 0.0021
nodejs_eventloop_lag_max_seconds{instance="vm:1"} 0.0305
nodejs_eventloop_lag_p99_seconds{instance="vm:1"} 0.0123
nodejs_heap_size_used_bytes{instance="vm:1"} 52428800
parley_sockets_connected{instance="vm:1"} 200
parley_messages_persisted_total{instance="vm:1"} 1000
parley_message_deliveries_total{instance="vm:1"} 9000
parley_send_duration_seconds_bucket{le="+Inf",stage="ack",instance="vm:1"} 5
odd_label{path="a \\"quoted\\" \\\\ one\\nline",instance="vm:1"} NaN 1700000000000
not a sample line
`;

describe('Prometheus metrics', () => {
  it('parses samples, labels (escaped) and special values', () => {
    const samples = parsePrometheus(TEXT);
    expect(samples).toHaveLength(11);
    expect(samples[0]).toEqual({ name: 'process_cpu_seconds_total', labels: { instance: 'vm:1' }, value: 12.5 });
    expect(samples[9]?.labels).toEqual({ le: '+Inf', stage: 'ack', instance: 'vm:1' });
    expect(samples[10]?.labels.path).toBe('a "quoted" \\ one\nline');
    expect(samples[10]?.value).toBeNaN();
    expect(parsePrometheus('a 1\nb +Inf\nc -Inf\nd Inf')).toEqual([
      { name: 'a', labels: {}, value: 1 },
      { name: 'b', labels: {}, value: Infinity },
      { name: 'c', labels: {}, value: -Infinity },
      { name: 'd', labels: {}, value: Infinity },
    ]);
  });

  it('extracts what the report shows, and the changes between two scrapes', () => {
    const after = snapshotOf(parsePrometheus(TEXT), 20_000);
    expect(after).toMatchObject({
      instance: 'vm:1',
      eventLoopLagSeconds: 0.0021,
      eventLoopLagP99Seconds: 0.0123,
      residentMemoryBytes: 104857600,
      heapUsedBytes: 52428800,
      socketsConnected: 200,
    });
    const before = snapshotOf(parsePrometheus(TEXT.replace('12.5', '2.5').replace('} 1000', '} 400').replace('} 9000', '} 3600')), 10_000);
    expect(serverFigures('http://127.0.0.1:3000', after, before)).toEqual({
      target: 'http://127.0.0.1:3000',
      instance: 'vm:1',
      eventLoopLagP99Ms: 12.3,
      eventLoopLagMaxMs: 30.5,
      residentMemoryBytes: 104857600,
      heapUsedBytes: 52428800,
      socketsConnected: 200,
      messagesPersisted: 600,
      messageDeliveries: 5400,
      cpuPercent: 100,
      error: null,
    });
  });

  it('falls back to the plain lag gauge and copes with missing metrics and scrapes', () => {
    const only = snapshotOf(parsePrometheus('nodejs_eventloop_lag_seconds 0.004'), 1);
    expect(serverFigures('t', only, null)).toMatchObject({ instance: null, eventLoopLagP99Ms: 4, socketsConnected: null, cpuPercent: null, messagesPersisted: null });
    expect(serverFigures('t', null, null, 'HTTP 404')).toMatchObject({ target: 't', error: 'HTTP 404', eventLoopLagP99Ms: null });
  });
});
