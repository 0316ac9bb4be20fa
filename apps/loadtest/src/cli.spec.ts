import { runCli } from './cli';
import { USAGE } from './options';

describe('runCli', () => {
  const io = (): { out: string[]; err: string[]; io: Parameters<typeof runCli>[1] } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (text) => out.push(text), err: (text) => err.push(text) } };
  };

  it('prints the usage on --help and exits 0', async () => {
    const { out, err, io: streams } = io();
    await expect(runCli(['--help'], streams)).resolves.toBe(0);
    expect(out).toEqual([USAGE]);
    expect(err).toEqual([]);
  });

  it('explains bad options and exits 2 without starting', async () => {
    const { err, io: streams } = io();
    const started = jest.fn();
    await expect(runCli(['--clients', 'many'], { ...streams, started })).resolves.toBe(2);
    expect(err[0]).toMatch(/--clients must be an integer/);
    expect(started).not.toHaveBeenCalled();
  });

  it('exits 1 with the reason when the setup fails (nothing listens there)', async () => {
    for (const extra of [[], ['--seed-only'], ['--json']]) {
      const { out, err, io: streams } = io();
      const started = jest.fn();
      const code = await runCli(['--targets', 'http://127.0.0.1:9', '--clients', '4', '--room-size', '2', ...extra], { ...streams, started });
      expect(code).toBe(1);
      expect(started).toHaveBeenCalledWith(expect.objectContaining({ clients: 4 }));
      expect(err.at(-1)).toMatch(/setup failed: Signing in lt\w+ at http:\/\/127\.0\.0\.1:9: .*is the server running\?/);
      expect(out).toEqual([]);
      if (extra[0] === '--json') expect(err).toHaveLength(1);
    }
  });
});
