import type { RunningServer } from '../apps/server/src/server';
import { DataSource } from 'typeorm';
import { Api } from './support/client';
import { startTestServer } from './support/server';

describe('operations surface', () => {
  let server: RunningServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    api = new Api(server.url);
  });
  afterAll(() => server.close());

  it('serves the web client at / and Swagger UI at /docs', async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/text\/html/);
    expect(await home.text()).toMatch(/Parley/);
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('documents every REST endpoint of the contract in the OpenAPI document, with error responses', async () => {
    const doc = (await api.get<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>('/docs-json')).body;
    const expected: Array<[string, string]> = [
      ['post', '/api/auth/register'],
      ['post', '/api/auth/login'],
      ['post', '/api/auth/refresh'],
      ['post', '/api/auth/logout'],
      ['get', '/api/users/me'],
      ['get', '/api/users'],
      ['post', '/api/rooms'],
      ['get', '/api/rooms'],
      ['get', '/api/rooms/{id}'],
      ['patch', '/api/rooms/{id}'],
      ['delete', '/api/rooms/{id}'],
      ['post', '/api/rooms/{id}/join'],
      ['post', '/api/rooms/{id}/leave'],
      ['get', '/api/rooms/{id}/members'],
      ['post', '/api/rooms/{id}/members'],
      ['delete', '/api/rooms/{id}/members/{userId}'],
      ['post', '/api/rooms/{id}/read'],
      ['post', '/api/dms'],
      ['get', '/api/rooms/{id}/messages'],
      ['post', '/api/rooms/{id}/messages'],
      ['patch', '/api/rooms/{id}/messages/{messageId}'],
      ['delete', '/api/rooms/{id}/messages/{messageId}'],
      ['get', '/api/search/messages'],
      ['get', '/api/search/users'],
      ['get', '/api/search/rooms'],
      ['get', '/api/health'],
    ];
    for (const [method, path] of expected) {
      const operation = doc.paths[path]?.[method];
      expect({ method, path, documented: operation !== undefined }).toEqual({ method, path, documented: true });
      if (path !== '/api/health' && path !== '/api/auth/logout') {
        expect({ path, method, hasErrors: Object.keys(operation!.responses).some((status) => status.startsWith('4')) }).toMatchObject({ hasErrors: true });
      }
    }
  });

  it('reports the database in /api/health, and 503 when it is gone', async () => {
    const healthy = await api.get<{ status: string; checks: Record<string, { status: string }> }>('/api/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toEqual({ status: 'ok', checks: { database: { status: 'up' } } });

    const isolated = await startTestServer();
    try {
      await isolated.app.get(DataSource).destroy();
      const down = await new Api(isolated.url).get<{ status: string; checks: Record<string, { status: string }> }>('/api/health');
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('error');
      expect(down.body.checks.database?.status).toBe('down');
    } finally {
      await isolated.close();
    }
  });
});
