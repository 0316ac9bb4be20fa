import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from './node-flags';

const ROOT = join(__dirname, '..', '..', '..');
const ENTRY = 'dist/apps/server/src/main.js';

describe('SERVER_NODE_FLAGS', () => {
  it('are what npm start runs the server with', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain(`exec node ${SERVER_NODE_FLAGS.join(' ')} ${ENTRY}`);
  });

  it('are what the Docker image runs the server with', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`CMD ${JSON.stringify(['node', ...SERVER_NODE_FLAGS, ENTRY])}`.replace(/","/g, '", "'));
  });
});
