import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The web client: `npm run build:web` writes apps/web/dist, which the server serves at `/`. Files in
 * apps/web/public (the admin dashboard at /admin/) are copied as they are.
 * `npm run dev:web` serves it with hot reload on :5173 and proxies the API to a server on :3000.
 */
export default defineConfig({
  root,
  publicDir: 'public',
  resolve: {
    alias: {
      '@parley/client': `${repo}libs/client/src/index.ts`,
      '@parley/contract': `${repo}libs/contract/src/index.ts`,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/socket.io': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
