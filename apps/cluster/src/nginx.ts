import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's nginx config, shared with docker-compose.yml. */
function nginxConfigPath(): string {
  for (const candidate of [join(__dirname, '..', 'nginx', 'parley.conf'), join(__dirname, '..', '..', '..', '..', 'apps', 'cluster', 'nginx', 'parley.conf')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // try the next layout (source tree vs dist/)
    }
  }
  throw new Error('apps/cluster/nginx/parley.conf not found');
}

export function nginxAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' }).status === 0;
}

/**
 * Writes a self-contained nginx prefix around the shared parley.conf: a main config (pid, logs and temp
 * paths inside the prefix, so no root paths are touched), the upstream list, and the listen port.
 */
export function writeNginxPrefix(prefix: string, upstreams: string[], listenPort: number): string {
  for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir), { recursive: true });
  // Workers of an nginx started as root run as `nobody` and buffer into tmp/.
  chmodSync(join(prefix, 'tmp'), 0o777);
  const site = readFileSync(nginxConfigPath(), 'utf8').replace(/listen 8080;/, `listen 127.0.0.1:${listenPort};`);
  writeFileSync(join(prefix, 'parley.conf'), site);
  writeFileSync(join(prefix, 'parley-upstream.conf'), upstreams.map((upstream) => `server ${upstream} max_fails=1 fail_timeout=5s;\n`).join(''));
  const main = `
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'tmp', 'body')};
  proxy_temp_path ${join(prefix, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(prefix, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(prefix, 'tmp', 'scgi')};
  include parley.conf;
}
`;
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, main);
  return file;
}

/** Runs nginx in the foreground with that prefix. */
export function startNginx(prefix: string): ChildProcess {
  return spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
