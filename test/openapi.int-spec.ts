import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp, TestApp } from './support/app';
import { spec, SPEC_PATH, specProblems } from './support/openapi';
import { DELIVERABLE_EVENT_TYPES } from '../src/webhooks/event-catalogue';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The routes Express serves, as "METHOD /openapi/{template}". */
function servedRoutes(t: TestApp): string[] {
  const express = t.app.getHttpAdapter().getInstance();
  const stack: { route?: { path: string; methods: Record<string, boolean> } }[] = express.router.stack;
  return (
    stack
      // Nest's own not-found fallbacks (/{*path}) are not API routes
      .filter((l) => l.route && !l.route.path.includes('{*'))
      .flatMap((l) =>
        Object.keys(l.route!.methods)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
      )
      .sort()
  );
}

function documentedRoutes(): string[] {
  return Object.entries(spec.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => METHODS.includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

describe('openapi.yaml', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is a valid OpenAPI 3.1 document (third-party validator)', async () => {
    const api = await SwaggerParser.validate(SPEC_PATH);
    expect((api as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('documents the payload of every event type a webhook can carry, and nothing else', () => {
    expect(Object.keys(spec.webhooks).sort()).toEqual([...DELIVERABLE_EVENT_TYPES].sort());
  });

  it('documents every route the app serves, and the app serves every documented route', () => {
    const served = servedRoutes(t);
    expect(served.length).toBeGreaterThan(5);
    expect(served).toEqual(documentedRoutes());
  });

  it('the response checker used by the e2e tests rejects what does not conform', () => {
    const ok = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { items: [], total: 0, limit: 50, offset: 0 },
    };
    expect(specProblems('GET', '/api/v1/campaigns', ok)).toEqual([]);
    expect(
      specProblems('GET', '/api/v1/campaigns', {
        ...ok,
        body: { items: [{ id: 'x' }], total: 0, limit: 1, offset: 0 },
      }),
    ).not.toEqual([]);
    expect(specProblems('GET', '/api/v1/campaigns', { ...ok, status: 418 })).toEqual([
      'GET /api/v1/campaigns does not document status 418',
    ]);
    expect(
      specProblems('GET', '/api/v1/campaigns', { ...ok, status: 401, headers: { 'content-type': 'text/html' } })[0],
    ).toContain('content type text/html');
  });
});
