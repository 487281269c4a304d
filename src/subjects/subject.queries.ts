import { Inject, Injectable } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { EventStore } from '../event-store/event-store';
import { eventToJson } from '../http/event-json';
import { decodeCursor, pageOf } from '../http/paging';
import { ValidationProblem } from '../http/problem';
import { PG_POOL } from '../infra/tokens';
import { TimeTravel } from '../projections/time-travel';
import type { PointInTime } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import type { Principal } from '../shared/decider';
import { subjectStream } from './subject.decider';
import type { ListSubjectsQuery, TimelineQuery } from './subject.dto';
import { rowToSubject, subjectsProjection } from './subjects.projection';

/** The registry's reads: rm_subjects in the caller's scope, one subject now or then, and its timeline. */
@Injectable()
export class SubjectQueries {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly timeTravel: TimeTravel,
  ) {}

  /** A page of subjects, by district, name and id (keyset with `after`, or offset). */
  list(q: ListSubjectsQuery, p: Principal) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.district) {
      AccessPolicy.assertDistrict(p, q.district);
      where.push(`district_code = $${params.push(q.district)}`);
    }
    const scope = AccessPolicy.sqlScope(p, params, 'district_code', 'id');
    if (scope) where.push(scope);
    if (q.campaign) where.push(`campaign_id = $${params.push(q.campaign)}`);
    if (q.type) where.push(`type = $${params.push(q.type)}`);
    if (q.highRisk) where.push(`high_risk = $${params.push(q.highRisk === 'true')}`);
    if (q.active) where.push(`active = $${params.push(q.active === 'true')}`);
    if (q.q) where.push(`(strpos(name, $${params.push(q.q)}) > 0 OR uscc = upper($${params.length}))`);
    if (q.after !== undefined && q.offset)
      throw new ValidationProblem([
        { field: 'offset', rule: 'cursorOrOffset', message: 'offset cannot be combined with after' },
      ]);
    const keyset = { columns: ['district_code', 'name', 'id'], after: decodeCursor(q.after, 3) };
    return pageOf(
      this.pool,
      {
        from: 'rm_subjects',
        where,
        params,
        orderBy: 'district_code, name, id',
        limit: q.limit,
        offset: q.offset,
        keyset,
      },
      rowToSubject,
    );
  }

  /** One subject the caller may see, as the registry has it or as it stood at `at`. */
  async get(id: string, p: Principal, at?: PointInTime) {
    const current = await this.visibleRow(id, p);
    const row = at
      ? await this.timeTravel.row(subjectsProjection, subjectStream(id), at, {
          sql: 'SELECT * FROM rm_subjects WHERE id = $1',
          params: [id],
        })
      : current;
    return rowToSubject(row);
  }

  /** Everything that happened to the subject, in log order, a page at a time after a log position. */
  async timeline(id: string, q: TimelineQuery, p: Principal) {
    await this.visibleRow(id, p);
    const limit = q.limit ?? 100;
    const { rows: positions } = await this.pool.query<{ global_position: string }>(
      `SELECT p AS global_position FROM rm_subject_timeline t, unnest(t.positions) AS p WHERE t.subject_id = $1 AND p > $2
        ORDER BY p LIMIT $3`,
      [id, q.after ?? 0, limit],
    );
    const events = await this.store.readPositions(positions.map((r) => Number(r.global_position)));
    return {
      items: events.map(eventToJson),
      next: positions.length === limit ? Number(positions[positions.length - 1].global_position) : null,
    };
  }

  /** The subject's registry row, when the caller may see it (else a 404: its existence does not leak). */
  private async visibleRow(id: string, p: Principal): Promise<QueryResultRow> {
    const { rows } = await this.pool.query('SELECT * FROM rm_subjects WHERE id = $1', [id]);
    if (!rows.length || !AccessPolicy.canActOnSubject(p, id, rows[0].district_code))
      throw notFound(`subject ${id} not found`);
    return rows[0];
  }
}
