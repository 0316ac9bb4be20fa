/**
 * Node flags every Parley server process runs with: `npm start`, the Docker image, `npm run cluster` and the
 * bench (node-flags.spec.ts keeps package.json and the Dockerfile in line with this list).
 *
 * A 32 MB young generation (default 16): every event allocates short-lived objects, and fewer scavenges buy
 * throughput under load for up to 48 MB per instance (docs/performance-history.md, item 20). Command-line
 * flags win over NODE_OPTIONS.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
