import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { EventStore } from '../src/event-store/event-store';
import { ReminderScheduler } from '../src/reminders/reminder-scheduler';
import { RemindersService } from '../src/reminders/reminders.service';
import { nextReminder } from '../src/domain/reminder-schedule';
import { ShiftedClock } from '../src/shared/clock';
import { Caller, startTestApp, TestApp } from './support/app';
import { TestDatabase } from './support/database';
import { launchBody, uscc } from './support/fixtures';
import { eachQueueBackend } from './support/backends';
import { ok, privateRedis, until } from './support/waiting';
import { misplacedDistricts } from './support/districts';

/**
 * Real BullMQ jobs firing on real time, on Redis and on BullMQ's Postgres backend. The app's clock is the wall
 * clock shifted to 2022-03-24 08:59:45 CST, so every reminder due at 09:00 that day fires ~15 s into the test.
 * The Mar 25 / Aug 15 / Sep 30 deadlines (self-correction report, self-evaluation, summary report) are shifted
 * around that day so that each kind of reminder is due at 09:00: the self-correction report (due 03-25) its
 * "1 day before", the self-evaluation (due 03-31) its "7 days before", the summary report (due 03-24) its "due
 * day" — until it is amended — and the implementation plan (due 03-23) its overdue escalation.
 */
const C = '/api/v1/campaigns';
const A = '500103';
const B = '500104';
const officerA: Caller = { role: 'district-officer', districts: [A] };
const officerB: Caller = { role: 'district-officer', districts: [B] };
const NINE = new Date('2022-03-24T09:00:00+08:00');
const LEAD_MS = 15_000;

eachQueueBackend('test/reminders.e2e-spec.ts', 'deadline reminders on the %s queue backend', (backend) => {
  let t: TestApp;
  let db: TestDatabase;
  let redis: { url: string; stop(): Promise<void> } | null = null;
  let clock: ShiftedClock;
  let id: string;
  const subjects: Record<string, string> = {};

  const service = () => t.app.get(RemindersService);
  const store = () => t.app.get(EventStore);
  const pendingJobs = async () =>
    new Set(await service().queue.getRanges(['delayed', 'waiting', 'prioritized'], 0, -1, true));
  const reminderEvents = async () => {
    const { safe } = await store().positions();
    return (await store().readAll({ types: ['reminder.sent', 'obligation.overdue'], limit: 1000 })).events.filter(
      (e) => e.globalPosition <= safe,
    );
  };
  const obligations = async () =>
    (await ok(t.call('get', '/api/v1/obligations', `/api/v1/obligations?campaignId=${id}&limit=200`, 'city-admin')))
      .body.items;
  /** What the queue should hold, computed from the read model with the same pure planner. */
  const expectedJobs = async () => {
    const schedule = (await ok(t.call('get', `${C}/{id}`, `${C}/${id}`, 'city-admin'))).body.reminderSchedule;
    const ids = (await obligations()).flatMap((o: any) =>
      nextReminder({ id: o.id, status: o.status, due: o.due, sent: o.sent }, schedule, clock.now(), 0).map((p) =>
        ReminderScheduler.jobId(p, schedule),
      ),
    );
    return new Set<string>(ids);
  };
  const start = async () =>
    startTestApp({
      queue: backend,
      clock,
      db,
      redisUrl: redis?.url,
      env: { REMINDER_GRACE_HOURS: '0' },
      probeIfMatch: true,
    });

  beforeAll(async () => {
    if (backend === 'redis') redis = await privateRedis();
    clock = new ShiftedClock(new Date(NINE.getTime() - LEAD_MS));
    t = await start();
    db = t.db;
  });
  afterAll(async () => {
    await t.close();
    await redis?.stop();
  });

  it('plans one job per reminder from the obligations the log implies', async () => {
    const deadlines = [
      { key: 'implementation-plan', title: '实施方案', due: '2022-03-23', owedBy: 'district-bureau' },
      {
        key: 'self-correction-report',
        title: '培训机构自查自改报告',
        due: '2022-03-25',
        owedBy: 'training-institution',
      },
      { key: 'self-evaluation', title: '自评报告', due: '2022-03-31', owedBy: 'district-bureau' },
      { key: 'summary-report', title: '总结报告', due: '2022-03-24', owedBy: 'district-bureau' },
      { key: 'monthly-report-2022-03', title: '二月份工作情况', due: '2022-03-25', owedBy: 'district-bureau' },
    ];
    id = (
      await ok(
        t.call(
          'post',
          C,
          C,
          'city-admin',
          launchBody(chongqing2022, {
            deadlines,
            districts: [
              { code: A, name: '渝中区' },
              { code: B, name: '大渡口区' },
            ],
          }),
        ),
        201,
      )
    ).body.id;
    const rows = [
      ['tiA', A],
      ['tiB', B],
    ];
    const res = await ok(
      t.call(
        'post',
        '/api/v1/subjects/import',
        `/api/v1/subjects/import?campaign=${id}`,
        'city-admin',
        rows.map(([key, d], n) => ({
          type: 'training-institution',
          name: `${key}培训机构`,
          uscc: uscc(n + 1, d),
          districtCode: d,
          industry: 'safety-training',
          principal: { name: '负责人' },
        })),
      ),
      201,
    );
    res.body.subjects.forEach((s: { id: string }, n: number) => (subjects[rows[n][0]] = s.id));

    const list = await until('obligations', obligations, (l) => l.length === 10);
    expect(list.filter((o: any) => o.party === `subject:${subjects.tiA}`).map((o: any) => o.ref)).toEqual([
      'self-correction-report',
    ]);
    const expected = await expectedJobs();
    // one job per open obligation, for its next reminder: 2 × (plan: overdue; summary: due day; self-correction
    // report: 1 day before; self-evaluation: 7 days before; monthly report: 1 day before)
    expect(expected.size).toBe(10);
    expect([...expected].filter((j) => j.startsWith(`deadline.${id}.self-evaluation.district-${A}.`))).toEqual([
      `deadline.${id}.self-evaluation.district-${A}.before-7d.2022-03-31.t0900`,
    ]);
    await until('the queue to hold the planned jobs', pendingJobs, (s) => s.size === expected.size);
    expect([...(await pendingJobs())].sort()).toEqual([...expected].sort());
    const job = await service().queue.getJob(
      `deadline.${id}.implementation-plan.district-${A}.overdue-1d.2022-03-23.t0900`,
    );
    expect(job?.opts).toMatchObject({ attempts: 8, backoff: { type: 'exponential', delay: 2000 } });
    expect(
      Math.abs(job!.timestamp + job!.opts.delay! - NINE.getTime() + (clock.now().getTime() - Date.now())),
    ).toBeLessThan(2000);
  });

  it('removes the jobs of a fulfilled obligation and moves those of an amended deadline', async () => {
    const monthlyA = `deadline.${id}.monthly-report-2022-03.district-${A}`;
    const figures = { inspections: 0, penalties: 0, finesCny: 0, cases: 0 };
    await ok(
      t.call(
        'put',
        `${C}/{id}/monthly-reports/{districtCode}/{month}`,
        `${C}/${id}/monthly-reports/${A}/2022-02`,
        officerA,
        { figures },
      ),
    );
    await until('A’s monthly-report jobs to go', pendingJobs, (s) => ![...s].some((j) => j.startsWith(`${monthlyA}.`)));
    expect(
      [...(await pendingJobs())].filter((j) => j.startsWith(`deadline.${id}.monthly-report-2022-03.district-${B}.`)),
    ).toHaveLength(1);

    await ok(
      t.call('put', `${C}/{id}/deadlines/{key}`, `${C}/${id}/deadlines/summary-report`, 'city-admin', {
        due: '2022-04-10',
        reason: '延期',
      }),
    );
    const summaryA = `deadline.${id}.summary-report.district-${A}`;
    const moved = await until('the summary-report jobs to move', pendingJobs, (s) =>
      s.has(`${summaryA}.before-7d.2022-04-10.t0900`),
    );
    expect([...moved].filter((j) => j.startsWith(`${summaryA}.`))).toEqual([`${summaryA}.before-7d.2022-04-10.t0900`]);
    expect([...moved].sort()).toEqual([...(await expectedJobs())].sort());
    expect(clock.now().getTime()).toBeLessThan(NINE.getTime()); // all of this happened before 09:00
  });

  it('strands no job when the plan cannot be recorded after its jobs were queued (a connection cut between the two)', async () => {
    const scheduler = service().scheduler as unknown as {
      addJobs(jobs: { opts: { jobId?: string } }[]): Promise<void>;
      recordPlans(...a: unknown[]): Promise<void>;
    };
    const addJobs = scheduler.addJobs.bind(scheduler);
    const recordPlans = scheduler.recordPlans.bind(scheduler);
    let added = false;
    let cut = 0;
    scheduler.addJobs = async (jobs) => {
      await addJobs(jobs);
      if (jobs.some((j) => j.opts.jobId?.includes('.2022-04-12.'))) added = true;
    };
    scheduler.recordPlans = async (...a: unknown[]) => {
      if (added && !cut) {
        cut++;
        throw new Error('connection terminated unexpectedly');
      }
      return recordPlans(...a);
    };
    const summaryA = `deadline.${id}.summary-report.district-${A}`;
    try {
      await ok(
        t.call('put', `${C}/{id}/deadlines/{key}`, `${C}/${id}/deadlines/summary-report`, 'city-admin', {
          due: '2022-04-12',
          reason: '再延期',
        }),
      );
      await until(
        'the cut to happen',
        async () => cut,
        (n) => n === 1,
      );
    } finally {
      scheduler.addJobs = addJobs;
      scheduler.recordPlans = recordPlans;
    }
    // the deadline moves again: the jobs queued for the 12th, whose plan was never recorded, must go too
    await ok(
      t.call('put', `${C}/{id}/deadlines/{key}`, `${C}/${id}/deadlines/summary-report`, 'city-admin', {
        due: '2022-04-14',
        reason: '又改期',
      }),
    );
    await until('the jobs of the 14th', pendingJobs, (s) => s.has(`${summaryA}.before-7d.2022-04-14.t0900`));
    const expected = await expectedJobs();
    const jobs = await until('the queue to hold just the plan', pendingJobs, (s) => s.size === expected.size);
    expect([...jobs].filter((j) => j.includes('.2022-04-12.'))).toEqual([]);
    expect([...jobs].sort()).toEqual([...expected].sort());
  });

  it('fires each reminder due at 09:00 once, and escalates the overdue plan to the district and the city', async () => {
    const events = await until('the 09:00 reminders', reminderEvents, (e) => e.length >= 7, LEAD_MS + 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    const all = await reminderEvents();
    const byId = Object.fromEntries(all.map((e) => [e.data.reminderId, e]));
    expect(all).toHaveLength(events.length);
    expect(Object.keys(byId).sort()).toEqual(
      [
        `deadline.${id}.implementation-plan.district-${A}.overdue-1d.2022-03-23`,
        `deadline.${id}.implementation-plan.district-${B}.overdue-1d.2022-03-23`,
        `deadline.${id}.monthly-report-2022-03.district-${B}.before-1d.2022-03-25`,
        `deadline.${id}.self-correction-report.subject-${subjects.tiA}.before-1d.2022-03-25`,
        `deadline.${id}.self-correction-report.subject-${subjects.tiB}.before-1d.2022-03-25`,
        `deadline.${id}.self-evaluation.district-${A}.before-7d.2022-03-31`,
        `deadline.${id}.self-evaluation.district-${B}.before-7d.2022-03-31`,
      ].sort(),
    );
    const overdue = byId[`deadline.${id}.implementation-plan.district-${A}.overdue-1d.2022-03-23`];
    expect(overdue.type).toBe('obligation.overdue');
    expect(overdue.data).toMatchObject({
      recipients: [`district:${A}`, 'city'],
      title: '实施方案',
      due: '2022-03-23',
      offset: 'overdue-1d',
    });
    expect(overdue.metadata.actor).toEqual({ id: 'system:reminders', role: 'system' });
    expect(overdue.causationId).toEqual(expect.any(String));
    expect(
      byId[`deadline.${id}.self-correction-report.subject-${subjects.tiA}.before-1d.2022-03-25`].data.recipients,
    ).toEqual([`subject:${subjects.tiA}`]);
    expect(new Date(overdue.recordedAt).getTime()).toBeGreaterThanOrEqual(Date.now() - 30_000);
    // each reminder sent queues its obligation's next one; a plan past its escalation has none left
    const next = await until('the next reminders queued', pendingJobs, (s) =>
      s.has(`deadline.${id}.self-evaluation.district-${A}.before-1d.2022-03-31.t0900`),
    );
    expect(next.has(`deadline.${id}.monthly-report-2022-03.district-${B}.due-day.2022-03-25.t0900`)).toBe(true);
    expect([...next].filter((j) => j.includes('.implementation-plan.'))).toEqual([]);
  });

  it('serves each party its inbox, in scope, and marks reminders read', async () => {
    const inbox = async (who: Caller, query = '') =>
      (await ok(t.call('get', '/api/v1/reminders', `/api/v1/reminders${query}`, who))).body;
    await until(
      'the inbox projection',
      () => inbox('city-admin'),
      (b) => b.total === 2,
    );
    const city = await inbox('city-admin');
    expect(city.items.map((r: any) => [r.kind, r.obligation.party]).sort()).toEqual([
      ['overdue', `district:${A}`],
      ['overdue', `district:${B}`],
    ]);
    const a = await inbox(officerA);
    expect(a.items.map((r: any) => `${r.kind} ${r.obligation.ref} ${r.offset}`).sort()).toEqual([
      'overdue implementation-plan overdue-1d',
      'reminder self-evaluation before-7d',
    ]);
    expect(a.items[0].obligation.title).toMatch(/实施方案|自评报告/);
    const subjectUser: Caller = { role: 'subject-user', subjectId: subjects.tiA };
    expect((await inbox(subjectUser)).items.map((r: any) => r.obligation.ref)).toEqual(['self-correction-report']);
    // an officer may look at a subject of its district, not at another district or the city
    expect((await inbox(officerA, `?party=subject:${subjects.tiA}`)).total).toBe(1);
    expect((await inbox(officerA, `?party=subject:${subjects.tiB}`)).total).toBe(0);
    expect((await t.call('get', '/api/v1/reminders', `/api/v1/reminders?party=district:${B}`, officerA)).status).toBe(
      403,
    );
    expect((await t.call('get', '/api/v1/reminders', '/api/v1/reminders?party=city', officerA)).status).toBe(403);
    expect((await t.call('get', '/api/v1/reminders', '/api/v1/reminders?party=everyone', officerA)).status).toBe(400);

    const overdueA = a.items.find((r: any) => r.kind === 'overdue').reminderId;
    const R = '/api/v1/reminders/{reminderId}/read';
    expect((await t.call('post', R, `/api/v1/reminders/${overdueA}/read`, officerB)).status).toBe(403);
    expect((await t.call('post', R, `/api/v1/reminders/${overdueA}/read`, 'auditor')).status).toBe(403);
    expect((await ok(t.call('post', R, `/api/v1/reminders/${overdueA}/read`, officerA))).body).toEqual({
      reminderId: overdueA,
      readBy: [`district:${A}`],
      changed: true,
      logPosition: expect.any(Number),
    });
    expect((await ok(t.call('post', R, `/api/v1/reminders/${overdueA}/read`, officerA))).body.changed).toBe(false);
    expect((await inbox(officerA, '?status=unread')).items.map((r: any) => r.kind)).toEqual(['reminder']);
    // the city's copy of the same escalation is still unread
    expect((await inbox('city-admin', '?status=unread')).total).toBe(2);
  });

  it('lets a party declare a deadline met that no report discharges, and refuses it for the others', async () => {
    const F = '/api/v1/obligations/{obligationId}/fulfilment';
    const plan = `deadline.${id}.implementation-plan.district-${A}`;
    expect(
      (await t.call('post', F, `/api/v1/obligations/${plan}/fulfilment`, officerB, { note: '已报送' })).status,
    ).toBe(403);
    await ok(
      t.call('post', F, `/api/v1/obligations/${plan}/fulfilment`, officerA, {
        note: '实施方案已报送',
        reference: '渝中应急〔2022〕1号',
      }),
      201,
    );
    const again = await t.call('post', F, `/api/v1/obligations/${plan}/fulfilment`, officerA, { note: '再次报送' });
    expect([again.status, again.body.type]).toEqual([409, 'urn:rectify:problem:not-open']);
    const report = await t.call(
      'post',
      F,
      `/api/v1/obligations/deadline.${id}.self-evaluation.district-${A}/fulfilment`,
      officerA,
      { note: '已交' },
    );
    expect([report.status, report.body.type]).toEqual([409, 'urn:rectify:problem:discharged-by-its-own-report']);
    const list = await until(
      'the declaration',
      obligations,
      (l) => l.find((o: any) => o.id === plan).status === 'fulfilled',
    );
    expect(list.find((o: any) => o.id === `deadline.${id}.implementation-plan.district-${B}`)).toMatchObject({
      status: 'open',
      overdue: true,
    });
  });

  it('does nothing when a job fires after its obligation was fulfilled', async () => {
    const monthlyA = `deadline.${id}.monthly-report-2022-03.district-${A}`;
    const before = (await reminderEvents()).length;
    const job = await service().queue.add(
      'reminder',
      {
        obligationId: monthlyA,
        reminderId: `${monthlyA}.due-day.2022-03-25`,
        kind: 'reminder',
        offset: 'due-day',
        due: '2022-03-25',
        fireAt: clock.now().toISOString(),
      },
      { jobId: `race-${randomUUID()}` },
    );
    await until(
      'the stale job to finish',
      async () => (await service().queue.getJob(job.id!))?.returnvalue,
      (v) => v !== undefined && v !== null,
    );
    expect((await service().queue.getJob(job.id!))!.returnvalue).toBe('stale');
    expect(await reminderEvents()).toHaveLength(before);
  });

  it('re-plans the pending jobs when the campaign moves its reminders to another time of day', async () => {
    const S = `${C}/{id}/reminder-schedule`;
    const bad = await t.call('put', S, `${C}/${id}/reminder-schedule`, 'city-admin', {
      daysBefore: [7, 1, 0],
      overdueAfterDays: 1,
      at: '25:00',
      reason: '调整',
    });
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'at']);
    expect(
      (
        await t.call('put', S, `${C}/${id}/reminder-schedule`, officerA, {
          daysBefore: [7, 1, 0],
          overdueAfterDays: 1,
          at: '10:00',
          reason: '调整',
        })
      ).status,
    ).toBe(403);
    const before = await pendingJobs();
    await ok(
      t.call('put', S, `${C}/${id}/reminder-schedule`, 'city-admin', {
        daysBefore: [7, 1, 0],
        overdueAfterDays: 1,
        at: '10:00',
        reason: '调整为上午十点',
      }),
    );
    const after = await until(
      'the jobs to move to 10:00',
      pendingJobs,
      (s) => s.size === before.size && [...s].every((j) => j.endsWith('.t1000')),
    );
    expect([...after].map((j) => j.replace(/\.t1000$/, '')).sort()).toEqual(
      [...before].map((j) => j.replace(/\.t0900$/, '')).sort(),
    );
    expect([...after].sort()).toEqual([...(await expectedJobs())].sort());
    await ok(
      t.call('put', S, `${C}/${id}/reminder-schedule`, 'city-admin', {
        daysBefore: [7, 1, 0],
        overdueAfterDays: 1,
        at: '09:00',
        reason: '恢复',
      }),
    );
    // all of them (an empty queue between removing the 10:00 jobs and adding the 09:00 ones is not "moved back")
    await until(
      'the jobs to move back to 09:00',
      pendingJobs,
      (s) => s.size === before.size && [...s].every((j) => j.endsWith('.t0900')),
    );
  });

  it('shows the queue to city admins only: metrics and bull-board at /admin/queues', async () => {
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(
      new RegExp(`rectify_queue_jobs\\{queue="reminders",state="delayed"\\} ${(await pendingJobs()).size}`),
    );
    expect(metrics).toMatch(/rectify_reminders_fired_total\{outcome="sent"\} [1-9]/);
    expect((await t.http.get('/admin/queues')).status).toBe(401);
    expect(
      (
        await t.http
          .get('/admin/queues')
          .set('Authorization', `Bearer ${t.token('district-officer', { districts: [A] })}`)
      ).status,
    ).toBe(403);
    const admin = `Bearer ${t.token('city-admin')}`;
    const page = await t.http.get('/admin/queues').set('Authorization', admin);
    expect([page.status, page.type]).toEqual([200, 'text/html']);
    const api = await t.http.get('/admin/queues/api/queues').set('Authorization', admin);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toContain('reminders');
    const viaQuery = await t.http.get(`/admin/queues?token=${t.token('city-admin')}`);
    expect([viaQuery.status, viaQuery.headers.location]).toEqual([303, '/admin/queues']);
    const cookie = String(viaQuery.headers['set-cookie']).split(';')[0];
    expect((await t.http.get('/admin/queues/api/queues').set('Cookie', cookie)).status).toBe(200);
  });

  it('after the queue is wiped and the app restarts, has the same pending jobs again and fires nothing twice', async () => {
    const pending = await pendingJobs();
    // the next reminder of each open obligation: summary report (before-7d) and self-correction report (due day) of
    // both, self-evaluation (before-1d) of both, B's monthly report (due day); A's monthly report is fulfilled and the
    // plans are past their escalation
    expect(pending.size).toBe(7);
    expect([...pending].sort()).toEqual([...(await expectedJobs())].sort());
    const fired = (await reminderEvents()).length;
    await t.stop();
    if (backend === 'redis') {
      const r = new Redis(redis!.url);
      await r.flushall();
      expect(await r.dbsize()).toBe(0);
      r.disconnect();
    } else {
      await db.pool.query('TRUNCATE bullmq.job CASCADE');
    }
    t = await start();
    const report = await service().ready;
    expect(report).toMatchObject({ added: pending.size, removed: 0 });
    expect([...(await pendingJobs())].sort()).toEqual([...pending].sort());
    // a second reconcile finds nothing to do
    expect(await service().scheduler.reconcile()).toMatchObject({ added: 0, removed: 0, kept: pending.size });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await reminderEvents()).toHaveLength(fired);
  });

  it('each reminder, escalation, read receipt and declaration records the district of its obligation (the city’s: none)', async () => {
    const types = ['reminder.sent', 'obligation.overdue', 'reminder.read', 'obligation.fulfilment-declared'];
    const { checked, wrong } = await misplacedDistricts(db.pool, types);
    expect(wrong).toEqual([]);
    expect(types.filter((type) => !checked.get(type))).toEqual([]);
  });
});
