import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { campaignDecider, campaignStream } from '../src/campaigns/campaign.decider';
import type { CampaignCommand, CampaignEvent } from '../src/campaigns/campaign.decider';
import { PgEventStore } from '../src/event-store/pg-event-store';
import { jobIdOf } from '../src/webhooks/webhooks.service';
import { chongqing2022 } from '../src/seed/chongqing-2022';
import { fold, Principal } from '../src/shared/decider';
import { describeOnRedis } from './support/backends';
import { Caller, startTestApp, TestApp } from './support/app';
import { launchBody } from './support/fixtures';
import { webhookProblems } from './support/openapi';
import { Receiver } from './support/receiver';
import { REDIS_URL } from './support/services';
import { ok, until } from './support/waiting';

/**
 * Webhooks end to end on real Postgres and Redis, with a local receiver that verifies every delivery with the
 * `standardwebhooks` library. Retries are shortened (WEBHOOK_RETRY_DELAYS_MS) so that a receiver that is down
 * for a few seconds sees several attempts.
 */
const W = '/api/v1/webhooks';
const C = '/api/v1/campaigns';
const ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_DELAYS_MS: '200,400,800,1000,1000,1000,1000,1000,1000,1000,1000,1000',
};
const A = '500103';
const B = '500104';

describeOnRedis('test/webhooks.e2e-spec.ts: webhooks from the log')('webhooks (Standard Webhooks) from the log', () => {
  let t: TestApp;
  const receiver = new Receiver();
  let campaignId: string;
  let deadlineNo = 0;

  beforeAll(async () => {
    await receiver.start();
    t = await startTestApp({ queue: 'redis', env: ENV, probeIfMatch: true });
    campaignId = (
      await ok(
        t.call(
          'post',
          C,
          C,
          'city-admin',
          launchBody(chongqing2022, {
            districts: [
              { code: A, name: '渝中区' },
              { code: B, name: '大渡口区' },
            ],
          }),
        ),
        201,
      )
    ).body.id;
  });
  afterAll(async () => {
    await t?.close();
    await receiver.stop();
  });

  /** One more campaign event (a deadline added), through the API. */
  const touch = async () => {
    deadlineNo++;
    const key = `webhook-check-${deadlineNo}`;
    await ok(
      t.call('put', `${C}/{id}/deadlines/{key}`, `${C}/${campaignId}/deadlines/${key}`, 'city-admin', {
        due: '2022-05-01',
        reason: `核查${deadlineNo}`,
        title: '专项检查',
        owedBy: 'city',
      }),
      201,
    );
    const log = await t.http
      .get(`/api/v1/streams/${campaignStream(campaignId)}/events?limit=1000`)
      .set('Authorization', `Bearer ${t.token('auditor')}`);
    return log.body.items[log.body.items.length - 1] as {
      eventId: string;
      globalPosition: number;
      streamVersion: number;
    };
  };
  const subscribe = async (body: object, caller: Caller = 'city-admin') =>
    (await ok(t.call('post', W, W, caller, body), 201)).body;
  const deliveries = async (id: string) =>
    (await ok(t.call('get', `${W}/{webhookId}/deliveries`, `${W}/${id}/deliveries?limit=200`, 'city-admin'))).body
      .items as any[];
  /** the subscription's deliveries once none is pending (and, given `count`, once that many are recorded: the outbox may still be catching up) */
  const allSettled = (id: string, count?: number) =>
    until(
      'deliveries settled',
      () => deliveries(id),
      (items) =>
        items.length > 0 &&
        (count === undefined || items.length >= count) &&
        items.every((d) => d.status !== 'pending'),
      30_000,
    );

  it('creates a subscription whose whsec_ secret is shown once, and refuses bad input naming the field and rule', async () => {
    const created = await subscribe({ url: receiver.url, eventTypes: ['campaign.*'], description: '省厅监管平台' });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    const bytes = Buffer.from(created.secret.slice(6), 'base64').length;
    expect(bytes).toBeGreaterThanOrEqual(24);
    expect(bytes).toBeLessThanOrEqual(64);
    expect(created.description).toBe('省厅监管平台');
    const got = (await ok(t.call('get', `${W}/{webhookId}`, `${W}/${created.id}`, 'city-admin'))).body;
    expect(got).not.toHaveProperty('secret');
    expect(JSON.stringify((await ok(t.call('get', W, W, 'auditor'))).body)).not.toContain(created.secret);

    const bad = async (body: object, field: string, rule: string) => {
      const res = await t.call('post', W, W, 'city-admin', body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    };
    await bad({ url: 'ftp://example.com/x' }, 'url', 'scheme');
    await bad({ url: 'http://user:pw@127.0.0.1/x' }, 'url', 'noCredentials');
    await bad({ url: receiver.url, eventTypes: ['nothing.*'] }, 'eventTypes[0]', 'knownEventType');
    await bad({ url: receiver.url, eventTypes: ['Inspection!'] }, 'eventTypes', 'matches');
    await bad({ url: receiver.url, secret: 'mine' }, 'secret', 'unknown-field');
    expect((await t.call('post', W, W, 'auditor', { url: receiver.url })).status).toBe(403);
    expect((await t.call('post', W, W, 'district-officer', { url: receiver.url })).status).toBe(403);

    // an integration manages its own subscriptions only
    const mine = await subscribe(
      { url: receiver.url, eventTypes: ['tip.*'], enabled: false },
      { role: 'integration', sub: 'province-a' },
    );
    const other: Caller = { role: 'integration', sub: 'province-b' };
    expect((await ok(t.call('get', W, W, other))).body.items).toEqual([]);
    expect((await t.call('get', `${W}/{webhookId}`, `${W}/${mine.id}`, other)).status).toBe(404);
    expect(
      (await ok(t.call('get', W, W, { role: 'integration', sub: 'province-a' }))).body.items.map((s: any) => s.id),
    ).toEqual([mine.id]);
    const confined = await t.call(
      'post',
      W,
      W,
      { role: 'integration', sub: 'province-c', districts: [A] },
      { url: receiver.url, districts: [B] },
    );
    expect(confined.status).toBe(403);
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${mine.id}`, { role: 'integration', sub: 'province-a' }), 204);
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${created.id}`, 'city-admin'), 204);
  });

  it('retries while the receiver is down and then delivers each event exactly once, signed, in stream order', async () => {
    receiver.received.length = 0;
    const sub = await subscribe({ url: receiver.url, eventTypes: ['campaign.deadline-*'] });
    receiver.secrets.splice(0, receiver.secrets.length, sub.secret);
    receiver.mode = 'unavailable';
    const events = [await touch(), await touch(), await touch()];
    // only the head of the stream's line is tried while it fails; the others wait behind it
    await until(
      'several failed attempts',
      () => deliveries(sub.id),
      (items) => items.length === 3 && items[0].attempts >= 3,
    );
    const waiting = await deliveries(sub.id);
    expect(waiting.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);
    expect(waiting[0].lastStatus).toBe(503);
    expect(waiting.slice(1).map((d) => d.attempts)).toEqual([0, 0]);
    expect(receiver.received.every((r) => r.id === events[0].eventId)).toBe(true);

    receiver.mode = 'up';
    const settled = await allSettled(sub.id);
    expect(settled.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const accepted = receiver.accepted();
    expect(accepted.map((r) => r.id)).toEqual(events.map((e) => e.eventId));
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);
    for (const [i, r] of accepted.entries()) {
      expect(r.verifiedBy).toEqual([0]);
      expect(webhookProblems(r.json.type, r.json)).toEqual([]);
      expect(r.json.type).toMatch(/^campaign\.deadline-/);
      expect(r.json.data).toMatchObject({
        eventId: events[i].eventId,
        stream: campaignStream(campaignId),
        version: events[i].streamVersion,
        position: events[i].globalPosition,
        actor: { role: 'city-admin' },
      });
      expect((r.json.data.payload as { reason: string }).reason).toBe(`核查${deadlineNo - 2 + i}`);
    }
    const detail = (
      await ok(
        t.call(
          'get',
          `${W}/{webhookId}/deliveries/{eventId}`,
          `${W}/${sub.id}/deliveries/${events[0].eventId}`,
          'auditor',
        ),
      )
    ).body;
    expect(detail.attemptLog.length).toBeGreaterThanOrEqual(4);
    expect(
      detail.attemptLog.slice(0, -1).every((a: any) => a.status === 503 && a.response === 'receiver says no'),
    ).toBe(true);
    expect(detail.attemptLog[detail.attemptLog.length - 1].status).toBe(204);
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin'), 204);
  });

  it('a job delivers the line behind its delivery while they succeed; one that fails there is retried from the queue, the line kept in order', async () => {
    receiver.received.length = 0;
    const sub = await subscribe({ url: receiver.url, eventTypes: ['campaign.deadline-*'] });
    receiver.secrets.splice(0, receiver.secrets.length, sub.secret);
    // the first POST is held until the four deliveries are recorded behind it: the job that made it then drains the line
    let release!: () => void;
    receiver.hold = new Promise<void>((resolve) => (release = resolve));
    const events = [await touch(), await touch(), await touch(), await touch()];
    receiver.failOnce.add(events[2].eventId);
    await until(
      'four deliveries recorded',
      () => deliveries(sub.id),
      (items) => items.length === 4,
    );
    await until(
      'the first POST arrived',
      async () => receiver.received.length,
      () => true,
    );
    receiver.hold = null;
    release();
    const settled = await allSettled(sub.id, 4);
    expect(settled.map((d) => [d.eventId, d.status, d.attempts])).toEqual([
      [events[0].eventId, 'delivered', 1],
      [events[1].eventId, 'delivered', 1],
      [events[2].eventId, 'delivered', 2],
      [events[3].eventId, 'delivered', 1],
    ]);
    // in stream order, each accepted once; the third failed once and came again before the fourth
    expect(receiver.received.map((r) => [r.id, r.answered])).toEqual([
      [events[0].eventId, 204],
      [events[1].eventId, 204],
      [events[2].eventId, 503],
      [events[2].eventId, 204],
      [events[3].eventId, 204],
    ]);
    // two queue jobs did it: the first delivery's (which drained the second) and the retry of the third (which drained the fourth)
    const queue = new Queue('webhooks', {
      prefix: t.config.queuePrefix,
      connection: { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) },
    });
    try {
      const jobs = await Promise.all(
        events.map((e) => queue.getJob(jobIdOf({ subscriptionId: sub.id, eventId: e.eventId, round: 0 }))),
      );
      expect(jobs.map((j) => (j ? [j.opts.attempts, j.data.prior ?? 0] : null))).toEqual([
        [13, 0],
        null,
        [12, 1],
        null,
      ]);
    } finally {
      await queue.close();
    }
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin'), 204);
  });

  it('honours Retry-After on 429', async () => {
    receiver.received.length = 0;
    const sub = await subscribe({ url: receiver.url, eventTypes: ['campaign.deadline-added'] });
    receiver.secrets.splice(0, receiver.secrets.length, sub.secret);
    receiver.mode = { status: 429, headers: { 'retry-after': '2' } };
    await touch();
    await until(
      'first attempt',
      async () => receiver.received.length,
      (n) => n >= 1,
    );
    receiver.mode = 'up';
    await allSettled(sub.id);
    const [first, second] = receiver.received;
    const gap = Number(second.timestamp) - Number(first.timestamp);
    // the schedule's first retry is 200 ms; the receiver asked for 2 s
    expect(gap).toBeGreaterThanOrEqual(2);
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin'), 204);
  });

  it('sends both signatures during a rotation grace period, and only the new one after it', async () => {
    receiver.received.length = 0;
    const sub = await subscribe({ url: receiver.url, eventTypes: ['campaign.deadline-added'] });
    receiver.mode = 'up';
    const rotated = (
      await ok(
        t.call('post', `${W}/{webhookId}/rotate-secret`, `${W}/${sub.id}/rotate-secret`, 'city-admin', {
          graceHours: 1,
        }),
      )
    ).body;
    expect(rotated.secret).not.toBe(sub.secret);
    expect(rotated.previousSecretId).toBe(sub.secretId);
    receiver.secrets.splice(0, receiver.secrets.length, sub.secret, rotated.secret);
    const during = await touch();
    await until(
      'delivered during grace',
      async () => receiver.accepted().filter((r) => r.id === during.eventId),
      (l) => l.length === 1,
    );
    const r1 = receiver.accepted().find((r) => r.id === during.eventId)!;
    expect(r1.signature.split(' ')).toHaveLength(2);
    expect(r1.verifiedBy).toEqual([0, 1]);

    const again = (
      await ok(
        t.call('post', `${W}/{webhookId}/rotate-secret`, `${W}/${sub.id}/rotate-secret`, 'city-admin', {
          graceHours: 0,
        }),
      )
    ).body;
    receiver.secrets.push(again.secret);
    const after = await touch();
    await until(
      'delivered after grace',
      async () => receiver.accepted().filter((r) => r.id === after.eventId),
      (l) => l.length === 1,
    );
    const r2 = receiver.accepted().find((r) => r.id === after.eventId)!;
    expect(r2.signature.split(' ')).toHaveLength(1);
    expect(r2.verifiedBy).toEqual([2]);
    // the log records the rotations by id and fingerprint, never the secrets
    const log = JSON.stringify(
      (
        await ok(
          t.call('get', '/api/v1/streams/{streamId}/events', `/api/v1/streams/webhook-${sub.id}/events`, 'auditor'),
        )
      ).body,
    );
    expect(log).toContain('webhook.secret-rotated');
    for (const s of [sub.secret, rotated.secret, again.secret]) expect(log).not.toContain(s.slice(6));
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin'), 204);
  });

  it('disables a subscription whose receiver answers 410 Gone, and records why', async () => {
    receiver.received.length = 0;
    const sub = await subscribe({ url: receiver.url, eventTypes: ['campaign.*'] });
    receiver.mode = 'gone';
    let release!: () => void;
    receiver.hold = new Promise<void>((resolve) => (release = resolve));
    const first = await touch();
    await touch();
    // both events are in the outbox before the receiver answers the first with 410
    await until(
      'both recorded',
      () => deliveries(sub.id),
      (items) => items.length === 2,
    );
    receiver.hold = null;
    release();
    const disabled = await until(
      'disabled',
      async () => (await t.call('get', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin')).body,
      (s) => s.enabled === false,
    );
    expect(disabled.disabledReason).toBe('gone');
    const history = (
      await ok(
        t.call('get', '/api/v1/streams/{streamId}/events', `/api/v1/streams/webhook-${sub.id}/events`, 'auditor'),
      )
    ).body.items;
    const event = history.find((e: any) => e.type === 'webhook.disabled');
    expect(event.data).toMatchObject({ reason: 'gone' });
    expect(event.metadata.actor).toEqual({ id: 'system:webhooks', role: 'system' });
    expect(event.metadata.causationId).toBe(first.eventId);
    const after = await until(
      'settled',
      () => deliveries(sub.id),
      (items) => items.length === 2 && items.every((d) => d.status !== 'pending'),
    );
    expect(after.map((d) => d.status)).toEqual(['failed', 'cancelled']);
    expect(receiver.received).toHaveLength(1);
    // nothing more is recorded for it
    const later = await touch();
    await until(
      'outbox past the event',
      async () =>
        (await t.db.pool.query(`SELECT position FROM projection_checkpoints WHERE name = 'webhook-outbox'`)).rows[0]
          ?.position,
      (p) => Number(p) >= later.globalPosition,
    );
    expect((await deliveries(sub.id)).length).toBe(2);
    // re-enabled, a replay of the range brings the missed events back, in order
    receiver.mode = 'up';
    receiver.secrets.splice(0, receiver.secrets.length, sub.secret);
    await ok(t.call('patch', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin', { enabled: true }));
    const replay = (
      await ok(
        t.call('post', `${W}/{webhookId}/replay`, `${W}/${sub.id}/replay`, 'city-admin', {
          after: first.globalPosition - 1,
          through: later.globalPosition,
        }),
        202,
      )
    ).body;
    expect(replay.queued).toBe(3);
    await until(
      'replayed',
      () => deliveries(sub.id),
      (items) => items.length === 3 && items.every((d) => d.status === 'delivered'),
    );
    expect(receiver.accepted().map((r) => r.json.data.position)).toEqual(
      [...receiver.accepted().map((r) => r.json.data.position)].sort((a, b) => a - b),
    );
    // a manual redelivery sends the same webhook-id again
    await ok(
      t.call(
        'post',
        `${W}/{webhookId}/deliveries/{eventId}/redeliver`,
        `${W}/${sub.id}/deliveries/${first.eventId}/redeliver`,
        'city-admin',
      ),
      202,
    );
    await until(
      'redelivered',
      async () => receiver.accepted().filter((r) => r.id === first.eventId).length,
      (n) => n === 2,
    );
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin'), 204);
  });

  it('delivers events that committed while the app was down or whose queue jobs were lost, once each, after a restart', async () => {
    receiver.received.length = 0;
    const sub = await subscribe({ url: receiver.url, eventTypes: ['campaign.deadline-added'] });
    receiver.secrets.splice(0, receiver.secrets.length, sub.secret);
    receiver.mode = 'unavailable';
    const before = await touch();
    await until(
      'recorded and tried',
      () => deliveries(sub.id),
      (items) => items.length === 1 && items[0].attempts >= 1,
    );
    await t.stop();

    // the process is gone: its queued job is lost with the queue, and more events commit meanwhile
    const queue = new Queue('webhooks', {
      prefix: t.config.queuePrefix,
      connection: { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) },
    });
    await queue.obliterate({ force: true });
    await queue.close();
    const store = new PgEventStore(t.db.pool);
    const admin: Principal = { sub: 't-city-admin', role: 'city-admin', districts: [] };
    const history = await store.readStream(campaignStream(campaignId));
    const state = fold(
      campaignDecider,
      history.map((e) => ({ type: e.type, data: e.data }) as CampaignEvent),
    );
    const command: CampaignCommand = {
      type: 'SetDeadline',
      key: 'while-down',
      due: '2022-06-01',
      reason: '停机期间',
      title: '停机期间的截止',
      owedBy: 'city',
    };
    const decided = campaignDecider.decide(command, state, { now: new Date(), principal: admin });
    const appended = await store.appendToStream(
      campaignStream(campaignId),
      decided.map((e) => ({
        type: e.type,
        data: e.data as object,
        metadata: { actor: { id: admin.sub, role: admin.role }, correlationId: randomUUID() },
      })),
      { expectedVersion: history.length },
    );

    receiver.mode = 'up';
    t = await startTestApp({ queue: 'redis', env: ENV, db: t.db });
    // the one recorded before the stop, and the one the outbox records from the log after the restart
    const settled = await allSettled(sub.id, 2);
    expect(settled.map((d) => d.eventId)).toEqual([before.eventId, appended.events[0].eventId]);
    expect(settled.every((d) => d.status === 'delivered')).toBe(true);
    const ids = receiver.accepted().map((r) => r.id);
    for (const r of receiver.accepted()) expect(webhookProblems(r.json.type, r.json)).toEqual([]);
    expect(ids).toEqual([before.eventId, appended.events[0].eventId]);
    expect(receiver.accepted().every((r) => r.verifiedBy.length === 1)).toBe(true);
    await ok(t.call('delete', `${W}/{webhookId}`, `${W}/${sub.id}`, 'city-admin'), 204);
  });
});
