/**
 * Node flags every Parley server process runs with: `npm start`, the Docker image, `npm run cluster` and the
 * bench (node-flags.spec.ts keeps package.json and the Dockerfile in line with this list).
 *
 * A young generation of 32 MB per semi-space instead of 16: a busy instance allocates short-lived objects
 * for every event (frames, packets, rows, promises), and with the default its scavenges took 18 % of its
 * busy time in the closed-loop bench. With 32 MB, eight paired closed-loop runs gave 18 % more persisted
 * messages per second on average (seven of the eight pairs were better), for up to 48 MB more resident memory
 * per instance once the young generation has grown (2.2 KiB per idle connection at 10 000). NODE_OPTIONS
 * cannot lower it: command-line flags win.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
