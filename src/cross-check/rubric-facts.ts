import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { CampaignState } from '../campaigns';
import { PG_POOL } from '../infra/tokens';
import { DOC } from '../projections/documents.projection';
import { timeliness } from '../reporting';
import type { MonthlyReportState } from '../reporting';
import type { TypicalCaseState } from '../reporting';
import type { VisitState } from './district-visit.decider';
import { DistrictFacts, SubjectFact } from './rubric';

/**
 * What the read models say about each district of a campaign, as the rubric's computed items need it: all but
 * the monthly reports' timeliness, which depends on the time of asking (`withMonthly`).
 */
export interface CampaignFacts {
  districts: Map<string, DistrictFacts>;
  reports: MonthlyReportState[];
}

/** Reads a campaign's rubric facts from the read models. */
@Injectable()
export class RubricFacts {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The facts with each district's monthly reports judged as of `now` (the loaded facts are left as they are). */
  static withMonthly(campaign: CampaignState, loaded: CampaignFacts, now: Date): Map<string, DistrictFacts> {
    const monthly = timeliness(campaign, loaded.reports, now);
    return new Map([...loaded.districts].map(([code, f]) => [code, { ...f, monthly: monthly.get(code) ?? [] }]));
  }

  async load(campaign: CampaignState): Promise<CampaignFacts> {
    const id = [campaign.id];
    const [subjects, inspections, penalties, problems, docs] = await Promise.all([
      this.pool.query(
        `SELECT s.id, s.name, s.type, s.district_code, si.status AS self_status
           FROM rm_subjects s LEFT JOIN rm_self_inspections si ON si.subject_id = s.id
          WHERE s.campaign_id = $1 AND s.active ORDER BY s.name, s.id`,
        id,
      ),
      this.pool.query(
        'SELECT id, subject_id, status FROM rm_inspections WHERE campaign_id = $1 ORDER BY planned_on, id',
        id,
      ),
      this.pool.query('SELECT subject_id, count(*)::int AS n FROM rm_penalties WHERE campaign_id = $1 GROUP BY 1', id),
      this.pool.query(
        `SELECT p.id, p.subject_id, s.name, p.subject_type, p.district_code, p.item_code, p.status
           FROM rm_problems p JOIN rm_subjects s ON s.id = p.subject_id
          WHERE p.campaign_id = $1 AND p.subject_type IN ('exam-institution', 'exam-site') ORDER BY p.created_at, p.id`,
        id,
      ),
      this.pool.query(
        'SELECT kind, district_code, state FROM rm_documents WHERE campaign_id = $1 AND kind = ANY($2) ORDER BY updated_at, stream_id',
        [campaign.id, [DOC.visit, DOC.monthlyReport, DOC.typicalCase]],
      ),
    ]);
    const facts = new Map<string, DistrictFacts>(
      campaign.districts.map((d) => [
        d.code,
        { subjects: [], problems: [], spotChecks: [], monthly: [], adoptions: [] },
      ]),
    );
    const bySubject = new Map<string, SubjectFact>();
    for (const r of subjects.rows) {
      const s: SubjectFact = {
        subjectId: r.id,
        name: r.name,
        type: r.type,
        selfCorrection: r.self_status ?? null,
        inspections: [],
        penalties: 0,
      };
      bySubject.set(r.id, s);
      facts.get(r.district_code)?.subjects.push(s);
    }
    for (const r of inspections.rows)
      bySubject.get(r.subject_id)?.inspections.push({ inspectionId: r.id, status: r.status });
    for (const r of penalties.rows) {
      const s = bySubject.get(r.subject_id);
      if (s) s.penalties = r.n;
    }
    for (const r of problems.rows) {
      facts.get(r.district_code)?.problems.push({
        problemId: r.id,
        subjectId: r.subject_id,
        subjectName: r.name,
        subjectType: r.subject_type,
        itemCode: r.item_code,
        status: r.status,
      });
    }
    const reports: MonthlyReportState[] = [];
    for (const r of docs.rows) {
      const f = facts.get(r.district_code);
      if (!f) continue;
      if (r.kind === DOC.visit) {
        const v = r.state as VisitState;
        for (const c of v.spotChecks) {
          f.spotChecks.push({
            visitId: v.visitId,
            subjectId: c.subjectId,
            subjectName: c.subjectName,
            violationFound: c.violationFound,
            violationUnpunished: c.violationUnpunished,
          });
        }
      } else if (r.kind === DOC.monthlyReport) {
        reports.push(r.state);
      } else {
        const c = r.state as TypicalCaseState;
        for (const a of c.adoptions) f.adoptions.push({ caseId: c.caseId, title: c.title, level: a.level });
      }
    }
    return { districts: facts, reports };
  }
}
