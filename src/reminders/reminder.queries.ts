import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { pageOf } from '../http/paging';
import { PG_POOL } from '../infra/tokens';
import { cstDate, lateFrom } from '../shared/dates';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { rowToObligation } from './obligations.projection';
import type { ListObligationsQuery, ListRemindersQuery } from './reminders.dto';

/** The reminders' reads: the inbox (rm_reminders) and the obligations behind it (rm_obligations), in the caller's scope. */
@Injectable()
export class ReminderQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The reminders sent to the parties the caller answers for (or, with `party=`, to one in its scope), newest first. */
  inbox(q: ListRemindersQuery, p: Principal) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (q.party) {
      where.push(`recipient = $${params.push(q.party)}`);
      const scope = AccessPolicy.partyScope(p, q.party, params);
      if (scope) where.push(scope);
    } else if (!AccessPolicy.hasCityScope(p) || p.role === 'city-admin') {
      where.push(`recipient = ANY($${params.push(AccessPolicy.heldParties(p))}::text[])`);
    }
    if (q.status === 'unread') where.push('read_at IS NULL');
    if (q.status === 'read') where.push('read_at IS NOT NULL');
    if (q.kind) where.push(`kind = $${params.push(q.kind)}`);
    if (q.campaignId) where.push(`campaign_id = $${params.push(q.campaignId.toLowerCase())}`);
    return pageOf(
      this.pool,
      {
        from: 'rm_reminders',
        where,
        params,
        orderBy: 'sent_at DESC, reminder_id, recipient',
        limit: q.limit,
        offset: q.offset,
      },
      (r) => ({
        reminderId: r.reminder_id,
        recipient: r.recipient,
        kind: r.kind,
        offset: r.offset,
        campaignId: r.campaign_id,
        obligation: {
          id: r.obligation_id,
          kind: r.obligation_kind,
          ref: r.ref,
          title: r.title,
          party: r.party,
          districtCode: r.district_code,
          due: r.due,
        },
        sentAt: r.sent_at.toISOString(),
        readAt: r.read_at ? r.read_at.toISOString() : null,
      }),
    );
  }

  /** The obligations in the caller's scope, by due day; "overdue" as of `now`. */
  obligations(q: ListObligationsQuery, p: Principal, now: Date) {
    const params: unknown[] = [];
    const where: string[] = [];
    const scope = AccessPolicy.sqlScope(p, params);
    if (scope) where.push(scope);
    if (q.district) {
      AccessPolicy.assertDistrict(p, q.district);
      where.push(`district_code = $${params.push(q.district)}`);
    }
    if (q.party) where.push(`party = $${params.push(q.party)}`);
    if (q.campaignId) where.push(`campaign_id = $${params.push(q.campaignId.toLowerCase())}`);
    if (q.kind) where.push(`kind = $${params.push(q.kind)}`);
    if (q.status === 'overdue') {
      // late from the start of the day after the due day, CST
      where.push(`status = 'open'`, `due < $${params.push(cstDate(now))}::date`);
    } else if (q.status) {
      where.push(`status = $${params.push(q.status)}`);
    }
    return pageOf(
      this.pool,
      { from: 'rm_obligations', where, params, orderBy: 'due, id', limit: q.limit, offset: q.offset },
      (row) => {
        const o = rowToObligation(row);
        return { ...o, overdue: o.status === 'open' && now.getTime() >= lateFrom(o.due).getTime() };
      },
    );
  }

  /** Who a reminder went to, and the obligation it is about; 404 when there is none. */
  async reminder(reminderId: string): Promise<{ obligationId: string; recipients: string[] }> {
    const { rows } = await this.pool.query('SELECT obligation_id, recipient FROM rm_reminders WHERE reminder_id = $1', [
      reminderId,
    ]);
    if (!rows.length) throw notFound(`reminder ${reminderId} not found`);
    return { obligationId: rows[0].obligation_id, recipients: rows.map((r) => r.recipient) };
  }

  /** One obligation; 404 when there is none. */
  async obligation(id: string) {
    const { rows } = await this.pool.query('SELECT * FROM rm_obligations WHERE id = $1', [id]);
    if (!rows.length) throw notFound(`obligation ${id} not found`);
    return rowToObligation(rows[0]);
  }
}
