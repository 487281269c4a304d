/**
 * npm run bench:rebuild — how fast the read models are rebuilt from a long log. The log is generated from the
 * campaign-lifecycle fixture (scripts/fixtures/lifecycle.ndjson: every event type of a campaign's four phases,
 * exported from the e2e run, 8 subjects), under fresh ids and re-chained, until it holds BENCH_EVENTS events
 * (default 1,000,000), in two shapes, each on its own scratch database:
 *   - city: BENCH_CAMPAIGNS campaigns (default 10), each the fixture's campaign-level streams once (campaign,
 *     supervision, district reports, tips, cross-checks, summary, bulletin) and its subject-level streams (subject,
 *     self-inspection, inspection) cloned under fresh subjects: a campaign of a city with thousands of subjects;
 *   - clones: the whole fixture cloned, one new campaign per 106 events: the worst case for the campaign-wide read
 *     models (every campaign owes 294 district deadlines).
 * Measured in the same run for each shape:
 *   0. the same pass over the log with no projection (the log read and parsed only: the floor of any rebuild);
 *   1. each projection rebuilt alone (its own pass over the log: where the time goes);
 *   2. projections:rebuild --all: one pass over the log, each window of 100,000 events applied to all projections at once;
 *   3. the verified shadow rebuild (projections:rebuild --verify --all): the same pass into shadow tables, then the
 *      row-by-row comparison with the live tables;
 *   4. the hash-chain verification of the whole log (audit:verify).
 * Env: BENCH_DATABASE_URL (a server to create the scratch databases on), BENCH_EVENTS, BENCH_CAMPAIGNS,
 * BENCH_SHAPES (default "city,clones").
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { verifyChains } from '../src/audit/chain-verification';
import { insertRecordedEvents } from '../src/event-store/pg-event-store';
import { eventFromJson } from '../src/http/event-json';
import { StoredEvent } from '../src/event-store/event-store';
import { chainHash } from '../src/event-store/hash-chain';
import { DEFAULT_SERVER_URL, scratchDatabase } from '../src/infra/scratch-database';
import { ALL_PROJECTIONS } from '../src/projections/all-projections';
import { verifiedRebuild } from '../src/projections/shadow-rebuild';
import { usccCheckCharacter } from '../src/subjects/uscc';
import { runMain } from './lib/main';
import { withRebuildRunner } from './lib/rebuild-runner';

const TARGET = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CAMPAIGNS = Number(process.env.BENCH_CAMPAIGNS ?? 10);
const SHAPES = (process.env.BENCH_SHAPES ?? 'city,clones').split(',');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const SUBJECT_LEVEL = /^(subject|self-inspection|inspection)-/;
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} events/s`;

const freshUuid = (u: string, key: string) => {
  const h = createHash('md5').update(`${u}/${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Every uuid in the line replaced by a fresh one for `key` (the same uuid, the same fresh one), but those in `keep`. */
function remap(text: string, key: string, keep: Map<string, string> = new Map()): string {
  return text.replace(UUID, (u) => keep.get(u) ?? freshUuid(u, key));
}

/** A valid 统一社会信用代码 of its own for each key (subjects are unique by code within a campaign). */
function uscc(key: string): string {
  const h = createHash('md5').update(key).digest();
  const first = `91320700${[...h.subarray(0, 9)].map((b) => USCC_CHARS[b % 31]).join('')}`;
  return first + usccCheckCharacter(first);
}

/** The log of a shape, as lines of the template each with the key its ids are made fresh under. */
function* shape(
  name: string,
  template: string[],
): Generator<{ line: string; key: string; keep?: Map<string, string> }> {
  if (name === 'clones') {
    for (let clone = 1; ; clone++) for (const line of template) yield { line, key: String(clone) };
  }
  if (name !== 'city') throw new Error(`unknown shape ${name}: city or clones`);
  const subjectLevel = template.filter((l) => SUBJECT_LEVEL.test(JSON.parse(l).streamId)).length;
  const clones = Math.max(1, Math.floor((TARGET / CAMPAIGNS - (template.length - subjectLevel)) / subjectLevel));
  const campaignId = JSON.parse(template[0]).data.campaignId as string;
  for (let c = 1; ; c++) {
    const keep = new Map([[campaignId, freshUuid(campaignId, String(c))]]);
    for (const line of template) {
      if (!SUBJECT_LEVEL.test(JSON.parse(line).streamId)) yield { line, key: String(c) };
      else for (let k = 1; k <= clones; k++) yield { line, key: `${c}.${k}`, keep };
    }
  }
}

/** Generates the shape's log into the database: positions 1…TARGET, every stream a valid hash chain. */
async function generate(pool: Pool, name: string, template: string[]): Promise<number> {
  const heads = new Map<string, string>();
  let batch: StoredEvent[] = [];
  let position = 0;
  for (const { line, key, keep } of shape(name, template)) {
    if (position >= TARGET) break;
    const e = eventFromJson(remap(line, key, keep));
    if (e.type === 'subject.registered') e.data = { ...e.data, uscc: uscc(key + e.streamId) };
    e.globalPosition = ++position;
    e.hash = chainHash(heads.get(e.streamId) ?? '', e);
    heads.set(e.streamId, e.hash);
    batch.push(e);
    if (batch.length === 5000) {
      await insertRecordedEvents(pool, batch);
      batch = [];
    }
  }
  // streams cut short at the target keep a whole prefix: still valid chains
  if (batch.length) await insertRecordedEvents(pool, batch);
  await pool.query('ANALYZE events');
  return position;
}

async function measure(name: string, template: string[]): Promise<void> {
  const scratch = await scratchDatabase(
    process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER_URL,
    `rectify_bench_rebuild_${name}`,
  );
  try {
    await withRebuildRunner(scratch.url, async ({ pool, store, runner }) => {
      const t0 = Date.now();
      const events = await generate(pool, name, template);
      const { rows } =
        await pool.query(`SELECT count(DISTINCT stream_id) FILTER (WHERE stream_id LIKE 'campaign-%')::int AS campaigns,
                                                count(*) FILTER (WHERE type = 'subject.registered')::int AS subjects FROM events`);
      process.stdout.write(
        `\n[${name}] generated ${events.toLocaleString('en')} events (${rows[0].campaigns.toLocaleString('en')} campaigns, ` +
          `${rows[0].subjects.toLocaleString('en')} subjects) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
      );

      const read = await runner.rebuildAll([]);
      process.stdout.write(
        `the log read alone (the pass with no projection): ${read.seconds.toFixed(1)} s = ${rate(read.events, read.seconds)}\n`,
      );
      process.stdout.write('each projection alone (its own pass over the whole log):\n');
      for (const p of ALL_PROJECTIONS) {
        const r = await runner.rebuild(p);
        process.stdout.write(
          `  ${p.name.padEnd(22)} ${r.seconds.toFixed(1).padStart(6)} s  ${rate(r.events, r.seconds)}\n`,
        );
      }
      const all = await runner.rebuildAll(ALL_PROJECTIONS);
      const tables = ALL_PROJECTIONS.flatMap((p) => p.tables);
      const written = await pool.query(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')} AS n`);
      process.stdout.write(
        `projections:rebuild --all: ${all.events.toLocaleString('en')} events through ${ALL_PROJECTIONS.length} projections in one pass in ` +
          `${all.seconds.toFixed(1)} s = ${rate(all.events, all.seconds)} (read models: ${Number(written.rows[0].n).toLocaleString('en')} rows; ` +
          `${(all.seconds / read.seconds).toFixed(1)}× the log read alone)\n`,
      );

      const v = await verifiedRebuild(pool, store, ALL_PROJECTIONS);
      process.stdout.write(
        `projections:rebuild --verify --all: one pass in ${v.seconds.toFixed(1)} s = ${rate(v.events, v.seconds)}; tables equal: ${v.equal} (${v.tables.length} tables)\n`,
      );

      const c = await verifyChains(store);
      process.stdout.write(
        `audit:verify: ${c.events.toLocaleString('en')} events in ${c.streams.toLocaleString('en')} streams in ${c.seconds.toFixed(1)} s = ${rate(c.events, c.seconds)}; ok: ${c.ok}\n`,
      );
      const verdict = (r: number) => `${r >= 50000 ? 'met' : 'NOT met'} (ratio ${(r / 50000).toFixed(2)})`;
      process.stdout.write(
        `[${name}] target >= 50,000 events/s: rebuild --all ${verdict(all.eventsPerSecond)}, verified one-pass ${verdict(v.eventsPerSecond)}\n`,
      );
    });
  } finally {
    await scratch.drop();
  }
}

async function main() {
  const template = readFileSync(join(__dirname, '..', '..', 'scripts', 'fixtures', 'lifecycle.ndjson'), 'utf8')
    .trim()
    .split('\n');
  for (const name of SHAPES) await measure(name, template);
}

runMain(main);
