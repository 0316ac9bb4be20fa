import { defaultPrefix, hardDeadlineMs, isLoopbackUrl, LIMITS, parseArgs, UsageError, USAGE, warnings } from './options';

describe('loadtest options', () => {
  it('has defaults for a small local run', () => {
    const options = parseArgs([]);
    expect(options).toMatchObject({
      targets: ['http://127.0.0.1:3000'],
      clients: 100,
      roomSize: 10,
      rate: 200,
      size: 100,
      duration: 20,
      warmup: 5,
      out: 'loadtest-results',
      seedOnly: false,
      json: false,
      allowRemote: false,
      concurrency: 20,
    });
    expect(options.prefix).toMatch(/^lt[a-z0-9]{8}_$/);
  });

  it('parses every option, in both --name value and --name=value forms', () => {
    const options = parseArgs([
      '--targets', 'http://127.0.0.1:3001/, http://localhost:3002',
      '--clients=200', '--room-size', '20', '--rate', '500.5', '--size', '300', '--duration', '15', '--warmup=0',
      '--out', '/tmp/x', '--prefix', 'run1_', '--password', 'secret-password', '--concurrency', '8',
      '--seed', 'seed.json', '--seed-only', '--json',
    ]);
    expect(options).toMatchObject({
      targets: ['http://127.0.0.1:3001', 'http://localhost:3002'],
      clients: 200,
      roomSize: 20,
      rate: 500.5,
      size: 300,
      duration: 15,
      warmup: 0,
      out: '/tmp/x',
      prefix: 'run1_',
      password: 'secret-password',
      concurrency: 8,
      seed: 'seed.json',
      seedOnly: true,
      json: true,
    });
  });

  it('answers --help with the usage', () => {
    for (const flag of ['--help', '-h']) {
      try {
        parseArgs(['--clients', '5', flag]);
        throw new Error('no usage');
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        expect((error as UsageError).help).toBe(true);
        expect((error as UsageError).message).toBe(USAGE);
      }
    }
  });

  it.each([
    [['--bogus'], /Unknown argument --bogus/],
    [['--clients'], /--clients needs a value/],
    [['--clients', '--json'], /--clients needs a value/],
    [['--clients', 'ten'], /--clients must be an integer/],
    [['--clients', '2.5'], /--clients must be an integer/],
    [['--clients', String(LIMITS.clients + 1)], /from 2 to 20000/],
    [['--duration', '3601'], /--duration must be a number from 1 to 3600/],
    [['--rate', '0'], /--rate/],
    [['--size', '5001'], /--size/],
    [['--json=yes'], /--json takes no value/],
    [['--clients', '5', '--room-size', '10'], /cannot exceed/],
    [['--clients', '11', '--room-size', '5'], /alone in the last room/],
    [['--prefix', 'bad prefix'], /--prefix/],
    [['--prefix', 'x'], /--prefix/],
    [['--prefix', 'a'.repeat(LIMITS.prefixLength + 1)], /--prefix/],
    [['--password', 'short'], /--password/],
    [['--out', ' '], /--out/],
    [['--targets', ','], /at least one URL/],
    [['--targets', 'not a url'], /Not a URL/],
    [['--targets', 'ftp://127.0.0.1'], /http\(s\)/],
    [['--targets', 'http://example.com:3000'], /not a loopback address.*--allow-remote/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('accepts remote targets only with --allow-remote', () => {
    expect(parseArgs(['--targets', 'https://chat.example.com', '--allow-remote']).targets).toEqual(['https://chat.example.com']);
  });

  it('knows loopback addresses', () => {
    expect(isLoopbackUrl('http://127.0.0.1:3000')).toBe(true);
    expect(isLoopbackUrl('http://127.12.0.3')).toBe(true);
    expect(isLoopbackUrl('http://localhost:3000')).toBe(true);
    expect(isLoopbackUrl('http://app.localhost')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:3000')).toBe(true);
    expect(isLoopbackUrl('http://128.0.0.1')).toBe(false);
    expect(isLoopbackUrl('http://127.0.0.1.example.com')).toBe(false);
    expect(isLoopbackUrl('http://10.0.0.1')).toBe(false);
    expect(isLoopbackUrl('nonsense')).toBe(false);
  });

  it('makes valid, distinct default prefixes', () => {
    expect(defaultPrefix(0, 0)).toBe('lt0000_');
    const prefix = defaultPrefix(Date.UTC(2030, 0, 1), 0.999);
    expect(prefix).toMatch(/^lt[a-z0-9]{8}_$/);
    expect(defaultPrefix(1, 0.5)).not.toBe(defaultPrefix(1, 0.6));
  });

  it('warns when a client would exceed the per-socket event budget', () => {
    expect(warnings(parseArgs(['--clients', '10', '--room-size', '5', '--rate', '50']))).toEqual([]);
    expect(warnings(parseArgs(['--clients', '10', '--room-size', '5', '--rate', '200']))[0]).toMatch(/20\.0 messages\/s/);
  });

  it('bounds the whole run', () => {
    const small = hardDeadlineMs(parseArgs(['--clients', '10', '--room-size', '5', '--duration', '10', '--warmup', '2']));
    expect(small).toBe(120_000 + 600 + 12_000 + 60_000);
    expect(hardDeadlineMs(parseArgs(['--clients', '10', '--room-size', '5', '--seed-only']))).toBe(120_600);
  });
});
