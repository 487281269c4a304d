import { Pool } from 'pg';
import { CAMPAIGN_WIDE } from '../../src/shared/decider';

/**
 * An oracle for the districts each event concerns, independent of the product's rule (districtsOf): walks the log
 * in order, following each subject's district (registered, moved), and expects an event to name the district of
 * the subject it is about (both, for a move), else the district its payload names (a district report, a reminder
 * of a district's obligation), else the whole campaign for a campaign-wide one. Returns the events of `types`
 * (all when omitted) whose recorded districts differ, as `type stream: recorded ≠ expected`.
 */
export async function misplacedDistricts(
  pool: Pool,
  types?: string[],
): Promise<{ checked: Map<string, number>; wrong: string[] }> {
  const { rows } = await pool.query(`SELECT type, stream_id, data, metadata FROM events ORDER BY global_position`);
  const subjects = new Map<string, string>();
  const streams = new Map<string, string>();
  const checked = new Map<string, number>();
  const wrong: string[] = [];
  for (const e of rows) {
    const d = e.data;
    const before = d.subjectId ? subjects.get(d.subjectId) : undefined;
    if (e.type === 'subject.registered') subjects.set(d.subjectId, d.districtCode);
    if (e.type === 'subject.amended' && d.changes?.districtCode) subjects.set(d.subjectId, d.changes.districtCode);
    // a test's own append past the command path records none (as events before districts were recorded)
    if (e.type.startsWith('webhook.') || (types && !types.includes(e.type)) || !Array.isArray(e.metadata.districts))
      continue;
    const expected = new Set<string>();
    for (const v of [before, d.subjectId ? subjects.get(d.subjectId) : undefined, d.districtCode, d.previousDistrict])
      if (typeof v === 'string' && v) expected.add(v);
    if (typeof d.party === 'string' && d.party.startsWith('district:')) expected.add(d.party.slice('district:'.length));
    // an aggregate remembers its district: a later event of its stream that names none concerns it still
    if (expected.size === 0 && streams.has(e.stream_id)) expected.add(streams.get(e.stream_id)!);
    const own = d.subjectId ? subjects.get(d.subjectId) : d.districtCode;
    if (typeof own === 'string' && own) streams.set(e.stream_id, own);
    if (
      expected.size === 0 &&
      (e.type.startsWith('campaign.') || e.type.startsWith('supervision.') || e.type.startsWith('bulletin.'))
    )
      expected.add(CAMPAIGN_WIDE);
    const recorded: string[] = e.metadata.districts;
    const want = [...expected].sort();
    const ok = JSON.stringify([...recorded].sort()) === JSON.stringify(want);
    checked.set(e.type, (checked.get(e.type) ?? 0) + 1);
    if (!ok) wrong.push(`${e.type} ${e.stream_id}: ${JSON.stringify(recorded)} ≠ ${JSON.stringify(want)}`);
  }
  return { checked, wrong };
}
