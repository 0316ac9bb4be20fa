/** The command line without the process around it (testable): options → seed or run → output, exit code. */
import { parseArgs, UsageError, type LoadtestOptions } from './options';
import { SetupError } from './provision';
import { runLoadtest, seedOnly } from './runner';

export interface CliIo {
  /** Results (stdout). */
  out: (text: string) => void;
  /** Logs, progress and problems (stderr). */
  err: (text: string) => void;
  /** Stops the schedule early; the results are still written. */
  signal?: AbortSignal;
  /** Called once the options are known (main.ts arms its deadline here). */
  started?: (options: LoadtestOptions) => void;
}

/** Exit codes: 0 done, 1 setup failed, 2 bad options. Other errors are thrown. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let options: LoadtestOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    (error.help ? io.out : io.err)(error.message);
    return error.help ? 0 : 2;
  }
  io.started?.(options);
  const quiet = options.json;
  const log = (line: string): void => {
    if (!quiet) io.err(line);
  };
  try {
    if (options.seedOnly) {
      log(`Seeding ${options.clients} users (prefix ${options.prefix}) in rooms of ${options.roomSize} on ${options.targets.join(', ')}`);
      const seeded = await seedOnly(options, { log });
      if (quiet) {
        io.out(JSON.stringify({ seedFile: seeded.seedFile, artilleryCsv: seeded.csvFile, users: seeded.users, rooms: seeded.rooms, prefix: options.prefix }, null, 2));
      } else {
        io.out(
          `Seeded ${seeded.users} users in ${seeded.rooms} rooms.\n` +
            `  ${seeded.seedFile}: reuse with  npm run loadtest -- --seed ${seeded.seedFile} …\n` +
            `  ${seeded.csvFile}: Artillery payload (bench/artillery/README.md)`,
        );
      }
      return 0;
    }
    log(`Parley load test: ${options.clients} clients, rooms of ${options.roomSize}, ${options.rate} msg/s, ${options.size} characters, prefix ${options.prefix}`);
    const outcome = await runLoadtest(options, { log, progress: log, signal: io.signal });
    io.out(quiet ? JSON.stringify(outcome.result, null, 2) : `\n${outcome.summary}`);
    return 0;
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    io.err(`loadtest: setup failed: ${error.message}`);
    return 1;
  }
}
