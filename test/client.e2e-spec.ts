import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKLISTS } from '../src/checklists/checklist';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { createRectifyClient, Schemas, versionOf } from '../clients/typescript/src';
import { startTestApp, TestApp } from './support/app';
import { launchBody, uscc } from './support/fixtures';

/** The typed client (clients/typescript), as a frontend team would use it, against the running service. */
const ROOT = join(__dirname, '..');

it('is generated from openapi.yaml as it stands (npm run client:generate after any change to the spec)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'rectify-client-')), 'schema.d.ts');
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
      'openapi.yaml',
      '--redocly',
      'clients/typescript/redocly.yaml',
      '-o',
      out,
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
  expect(readFileSync(join(ROOT, 'clients/typescript/src/schema.d.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
});

describe('a self-correction flow through the typed client', () => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await startTestApp();
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await t.close();
  });

  it('launch, register, self-inspect, submit, read the problem list', async () => {
    const admin = createRectifyClient({ baseUrl, token: t.token('city-admin') });
    const body = launchBody(chongqing2022) as Schemas['LaunchCampaign'];
    const launched = await admin.POST('/api/v1/campaigns', { body });
    expect(launched.response.status).toBe(201);
    const id = launched.data!.id;

    const registered = await admin.POST('/api/v1/subjects', {
      body: {
        campaignId: id,
        type: 'training-institution',
        name: '重庆渝中安全技术培训中心',
        uscc: uscc(7001),
        districtCode: '500103',
        industry: 'safety-training',
        principal: { name: '张培训' },
      },
    });
    expect(registered.response.status).toBe(201);
    const subjectId = registered.data!.id;
    const campaign = await admin.GET('/api/v1/campaigns/{id}', { params: { path: { id } } });
    const opened = await admin.POST('/api/v1/campaigns/{id}/phases/{phase}/open', {
      params: {
        path: { id, phase: 'self-correction' },
        header: { 'If-Match': campaign.response.headers.get('ETag')! },
      },
    });
    expect([opened.response.status, versionOf(opened.response.headers.get('ETag'))]).toEqual([
      200,
      versionOf(campaign.response.headers.get('ETag'))! + 1,
    ]);

    const officer = createRectifyClient({ baseUrl, token: t.token('district-officer', { districts: ['500103'] }) });
    const path = { id, subjectId };
    expect(
      (await officer.POST('/api/v1/campaigns/{id}/self-inspections', { params: { path: { id } }, body: { subjectId } }))
        .response.status,
    ).toBe(201);
    const item = CHECKLISTS.get('CQ2022-TI')!.items[0].code;
    const answers = CHECKLISTS.get('CQ2022-TI')!.items.map((i) =>
      i.code === item
        ? { itemCode: i.code, problemPresent: true, manifestation: '专职教师不足 2 名' }
        : { itemCode: i.code, problemPresent: false },
    );
    expect(
      (
        await officer.PUT('/api/v1/campaigns/{id}/self-inspections/{subjectId}/answers', {
          params: { path },
          body: { answers },
        })
      ).response.status,
    ).toBe(200);
    const listed = await officer.POST('/api/v1/campaigns/{id}/self-inspections/{subjectId}/problems', {
      params: { path },
      body: {
        itemCode: item,
        description: '专职教师不足 2 名',
        measure: '补聘专职教师',
        deadline: '2022-04-30',
        responsible: '校长',
      },
    });
    expect(listed.response.status).toBe(201);
    expect(
      (
        await officer.PUT('/api/v1/campaigns/{id}/self-inspections/{subjectId}/commitment', {
          params: { path },
          body: { name: '张培训', date: '2022-03-01' },
        })
      ).response.status,
    ).toBe(200);
    const submitted = await officer.POST('/api/v1/campaigns/{id}/self-inspections/{subjectId}/submit', {
      params: { path },
    });
    expect(submitted.response.status).toBe(200);

    // read right after the commands: the client sends the position it reached, so the list already has the problem
    const problems = await officer.GET('/api/v1/campaigns/{id}/problems', {
      params: { path: { id }, query: { district: '500103' } },
    });
    expect(problems.response.status).toBe(200);
    expect(problems.data!.items.map((p) => [p.itemCode, p.description, p.status])).toEqual([
      [item, '专职教师不足 2 名', 'open'],
    ]);
    expect(officer.position).toBeGreaterThan(0);
    // a refusal comes back typed as a problem
    const again = await officer.POST('/api/v1/campaigns/{id}/self-inspections/{subjectId}/submit', {
      params: { path },
    });
    expect([again.response.status, again.error?.type]).toEqual([409, expect.stringMatching(/^urn:rectify:problem:/)]);
  });
});
