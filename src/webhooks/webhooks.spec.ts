import { fold, Principal } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import {
  DEFAULT_RETRY_DELAYS_MS,
  failingTooLong,
  matches,
  outcomeOf,
  parseRetryAfter,
  retryDelay,
  typeMatches,
} from './delivery-policy';
import { selectsSomething } from './event-catalogue';
import { subscriptionDecider } from './subscription.decider';
import type { SubscriptionCommand, SubscriptionEvent } from './subscription.decider';
import { checkUrl, checkUrlShape, isPublicAddress } from './url-safety';

const admin: Principal = { sub: 'admin', role: 'city-admin', districts: [] };
const provinceA: Principal = { sub: 'province-a', role: 'integration', districts: [] };
const provinceB: Principal = { sub: 'province-b', role: 'integration', districts: [] };
const now = new Date('2022-03-24T01:00:00Z');
const secret = { secretId: 'sec_1', fingerprint: 'abcd' };

function given(events: SubscriptionEvent[]) {
  const state = fold(subscriptionDecider, events);
  return {
    when: (c: SubscriptionCommand, p: Principal = provinceA) =>
      subscriptionDecider.decide(c, state, { now, principal: p }),
  };
}
const subscribed: SubscriptionEvent = {
  type: 'webhook.subscribed',
  data: {
    subscriptionId: 's1',
    url: 'https://prov.example/hooks',
    eventTypes: ['*'],
    districts: [],
    description: '',
    enabled: true,
    owner: 'province-a',
    secret,
    subscribedAt: now.toISOString(),
  },
};

describe('subscription decider', () => {
  it('subscribes once, owned by the caller', () => {
    const [e] = given([]).when({
      kind: 'Subscribe',
      subscriptionId: 's1',
      url: 'https://prov.example/hooks',
      eventTypes: ['*'],
      districts: [],
      description: '',
      enabled: true,
      secret,
    });
    expect(e).toMatchObject({ type: 'webhook.subscribed', data: { owner: 'province-a', secret } });
    expect(
      refusalOf(() =>
        given([subscribed]).when({
          kind: 'Subscribe',
          subscriptionId: 's1',
          url: 'x',
          eventTypes: ['*'],
          districts: [],
          description: '',
          enabled: true,
          secret,
        }),
      ).kind,
    ).toBe('conflict');
  });

  it('records only what an update changes, and nothing when nothing changes', () => {
    expect(given([subscribed]).when({ kind: 'UpdateSubscription', eventTypes: ['*'], description: '省厅' })).toEqual([
      {
        type: 'webhook.updated',
        data: { subscriptionId: 's1', changes: { description: '省厅' }, updatedAt: now.toISOString() },
      },
    ]);
    expect(given([subscribed]).when({ kind: 'UpdateSubscription', url: 'https://prov.example/hooks' })).toEqual([]);
  });

  it('lets the owner and city admins manage it, and nobody else (not found, not forbidden: its existence is not revealed)', () => {
    expect(given([subscribed]).when({ kind: 'DeleteSubscription' }, admin)).toHaveLength(1);
    expect(refusalOf(() => given([subscribed]).when({ kind: 'DeleteSubscription' }, provinceB)).kind).toBe('not-found');
  });

  it('disables once with its reason, and a re-enable clears the reason', () => {
    const [disabled] = given([subscribed]).when({ kind: 'DisableSubscription', reason: 'gone', detail: '410' });
    expect(disabled).toMatchObject({ type: 'webhook.disabled', data: { reason: 'gone' } });
    expect(given([subscribed, disabled]).when({ kind: 'DisableSubscription', reason: 'failing', detail: '' })).toEqual(
      [],
    );
    const state = fold(subscriptionDecider, [subscribed, disabled]);
    expect(state).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const [enabled] = subscriptionDecider.decide({ kind: 'UpdateSubscription', enabled: true }, state, {
      now,
      principal: admin,
    });
    expect(subscriptionDecider.evolve(state, enabled)).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('rotates to a new secret generation, naming the previous one', () => {
    const [rotated] = given([subscribed]).when({
      kind: 'RotateSecret',
      secret: { secretId: 'sec_2', fingerprint: 'ef01' },
      previousExpiresAt: '2022-03-25T01:00:00.000Z',
    });
    expect(rotated).toMatchObject({
      type: 'webhook.secret-rotated',
      data: { previous: secret, secret: { secretId: 'sec_2' } },
    });
  });

  it('refuses commands on a deleted subscription', () => {
    const deleted: SubscriptionEvent = {
      type: 'webhook.deleted',
      data: { subscriptionId: 's1', deletedAt: now.toISOString() },
    };
    expect(
      refusalOf(() => given([subscribed, deleted]).when({ kind: 'UpdateSubscription', enabled: false })).kind,
    ).toBe('not-found');
  });
});

describe('delivery policy', () => {
  it('matches exact types, * and prefix wildcards', () => {
    expect(typeMatches(['*'], 'tip.closed')).toBe(true);
    expect(typeMatches(['inspection.*'], 'inspection.order-issued')).toBe(true);
    expect(typeMatches(['inspection.*'], 'inspections.x')).toBe(false);
    expect(typeMatches(['campaign.deadline-*'], 'campaign.deadline-amended')).toBe(true);
    expect(typeMatches(['campaign.deadline-*'], 'campaign.launched')).toBe(false);
    expect(typeMatches(['tip.closed'], 'tip.closed')).toBe(true);
    expect(selectsSomething('inspection.*')).toBe(true);
    expect(selectsSomething('nothing.*')).toBe(false);
  });

  it('a subscription confined to districts gets the events of its districts and the campaign-wide ones, nothing else', () => {
    const filter = { eventTypes: ['*'], districts: ['500103'], createdPosition: 10 };
    const ev = (type: string, districts?: string[]) => ({
      type,
      metadata: { actor: { id: 'a', role: 'x' }, correlationId: 'c', ...(districts ? { districts } : {}) },
      globalPosition: 11,
    });
    expect(matches(filter, ev('tip.received', ['500103']))).toBe(true);
    expect(matches(filter, ev('subject.amended', ['500103', '500104']))).toBe(true);
    expect(matches(filter, ev('inspection.penalty-recorded', ['500104']))).toBe(false);
    expect(matches(filter, ev('campaign.phase-opened', ['*']))).toBe(true);
    // the city's alone (an unassigned tip), or districts never worked out: not for a confined subscriber
    expect(matches(filter, ev('tip.received', []))).toBe(false);
    expect(matches(filter, ev('tip.received'))).toBe(false);
    expect(matches({ ...filter, districts: [] }, ev('tip.received', []))).toBe(true);
  });

  it('delivers nothing recorded before the subscription, and never the subscriptions’ own events', () => {
    const filter = { eventTypes: ['*'], districts: [], createdPosition: 10 };
    const meta = { actor: { id: 'a', role: 'x' }, correlationId: 'c' };
    expect(matches(filter, { type: 'tip.received', metadata: meta, globalPosition: 10 })).toBe(false);
    expect(matches(filter, { type: 'webhook.subscribed', metadata: meta, globalPosition: 11 })).toBe(false);
  });

  it('spreads retries over about three days with ±20 % jitter', () => {
    const total = DEFAULT_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(72);
    expect(total / 3_600_000).toBeLessThan(80);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 1, null, () => 0)).toBe(4000);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 1, null, () => 1)).toBe(6000);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 9, null, () => 0.5)).toBe(864e5);
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 20, null, () => 0.5)).toBe(864e5);
  });

  it('honours Retry-After (seconds or a date) on 429 and 503 only, capped at a day', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now.getTime() + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(outcomeOf(429, 120_000)).toEqual({ kind: 'retry', retryAfterMs: 120_000 });
    expect(outcomeOf(503, 5_000)).toEqual({ kind: 'retry', retryAfterMs: 5_000 });
    expect(outcomeOf(500, 5_000)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(outcomeOf(302, null)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(outcomeOf(410, null)).toEqual({ kind: 'gone' });
    expect(outcomeOf(204, null)).toEqual({ kind: 'delivered' });
    expect(outcomeOf(null, null)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(retryDelay(DEFAULT_RETRY_DELAYS_MS, 1, 7 * 864e5)).toBe(864e5);
  });

  it('disables after three days of failure without a success', () => {
    const window = 72 * 3_600_000;
    expect(failingTooLong(null, now, window)).toBe(false);
    expect(failingTooLong(new Date(now.getTime() - window + 1), now, window)).toBe(false);
    expect(failingTooLong(new Date(now.getTime() - window), now, window)).toBe(true);
  });
});

describe('webhook target safety', () => {
  it('tells public addresses from loopback, private, link-local and reserved ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::',
    ]) {
      expect([a, isPublicAddress(a)]).toEqual([a, false]);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '114.114.114.114', '2400:3200::1', '::ffff:8.8.8.8'])
      expect([a, isPublicAddress(a)]).toEqual([a, true]);
  });

  it('classifies every IPv6 form that embeds an IPv4 address by what it embeds (ipaddr.js)', () => {
    const refused = [
      // IPv4-compatible (deprecated): never public, whatever it embeds
      '::127.0.0.1',
      '::7f00:1',
      '::8.8.8.8',
      '::10.0.0.1',
      // IPv4-mapped and RFC 6145 translated, of private targets
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::ffff:0:127.0.0.1',
      '::ffff:0:192.168.0.1',
      // 6to4 of loopback, private, link-local
      '2002:7f00:1::',
      '2002:7f00:0001::1',
      '2002:a00:1::',
      '2002:c0a8:101::',
      '2002:a9fe:a9fe::1',
      // NAT64: the well-known prefix of private targets, and the local-use prefix always
      '64:ff9b::127.0.0.1',
      '64:ff9b::a00:1',
      '64:ff9b::169.254.169.254',
      '64:ff9b:1::8.8.8.8',
      // Teredo whose client (inverted) or server is private
      '2001:0:4136:e378:8000:63bf:80ff:fffe',
      '2001:0:a00:1:8000:63bf:3fff:fdd2',
      // other special ranges
      'fec0::1',
      '100::1',
      '2001:db8::1',
      '2001:2::1',
      'ff02::1',
      '::',
      '::1',
      'fe80::1%eth0',
      '3fff::1',
      '192.0.0.8',
      '192.0.2.1',
      '198.18.0.1',
      '198.51.100.7',
      '203.0.113.9',
      '240.0.0.1',
      '255.255.255.255',
      '224.0.0.1',
    ];
    for (const a of refused) expect([a, isPublicAddress(a)]).toEqual([a, false]);
    const allowed = [
      '::ffff:114.114.114.114',
      '::ffff:0:8.8.8.8',
      '2002:808:808::1',
      '64:ff9b::8.8.8.8',
      '64:ff9b::808:808',
      '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
      '2400:3200::1',
      '240e::1',
    ];
    for (const a of allowed) expect([a, isPublicAddress(a)]).toEqual([a, true]);
  });

  it('refuses loopback written in any form a URL parser accepts (decimal, octal, hex, IPv6 brackets)', () => {
    const hosts = [
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://0x7f.0.0.1/',
      'http://0x7f000001/',
      'http://127.1/',
      'http://017700000001/',
      'http://[::127.0.0.1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[2002:7f00:1::]/',
      'http://[64:ff9b::7f00:1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://0/',
      'http://[::]/',
      'http://169.254.169.254.nip.io.localhost/',
    ];
    for (const h of hosts)
      expect(() => checkUrlShape(h, false)).toThrow(expect.objectContaining({ rule: 'publicHost' }));
  });

  it('refuses other schemes, credentials and private targets unless they are allowed', async () => {
    expect(() => checkUrlShape('ftp://example.com/', true)).toThrow(expect.objectContaining({ rule: 'scheme' }));
    expect(() => checkUrlShape('https://u:p@example.com/', true)).toThrow(
      expect.objectContaining({ rule: 'noCredentials' }),
    );
    expect(() => checkUrlShape('not a url', true)).toThrow(expect.objectContaining({ rule: 'isUrl' }));
    expect(() => checkUrlShape('http://127.0.0.1:8080/h', false)).toThrow(
      expect.objectContaining({ rule: 'publicHost' }),
    );
    expect(() => checkUrlShape('http://[::1]/h', false)).toThrow(expect.objectContaining({ rule: 'publicHost' }));
    expect(() => checkUrlShape('http://localhost/h', false)).toThrow(expect.objectContaining({ rule: 'publicHost' }));
    expect(checkUrlShape('http://127.0.0.1:8080/h', true).port).toBe('8080');
    await expect(checkUrl('http://169.254.169.254/latest/meta-data', false)).rejects.toMatchObject({
      rule: 'publicHost',
    });
    expect((await checkUrl('https://8.8.8.8/hooks', false)).hostname).toBe('8.8.8.8');
  });
});
