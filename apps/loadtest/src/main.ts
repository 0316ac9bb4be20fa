/**
 * `npm run loadtest -- [options]`: realtime load against one or several Parley instances through the client
 * SDK. See `--help` and apps/loadtest/README.md. This file only wires the process: output streams,
 * signals, a hard deadline and the exit code.
 */
import { runCli } from './cli';
import { hardDeadlineMs } from './options';

// Ctrl-C (or SIGTERM) once: stop sending, collect and write what was measured. Twice: exit now.
const abort = new AbortController();
let interrupts = 0;
const interrupt = (): void => {
  if (++interrupts > 1) process.exit(130);
  console.error('loadtest: stopping (Ctrl-C again to exit at once)');
  abort.abort();
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

runCli(process.argv.slice(2), {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  signal: abort.signal,
  // Always stops by itself, whatever the servers do.
  started: (options) => {
    const deadline = hardDeadlineMs(options);
    setTimeout(() => {
      console.error(`loadtest: did not finish within ${Math.round(deadline / 1000)} s; exiting`);
      process.exit(3);
    }, deadline).unref();
  },
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('loadtest failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
