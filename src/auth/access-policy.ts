import { ForbiddenException } from '@nestjs/common';
import { Principal } from '../shared/decider';

/**
 * Jurisdiction checks, in one place. City admins, auditors and integrations see the whole campaign;
 * district officers and supervisors act only in the district codes of their token; subject users only on
 * their own subject.
 */
export const AccessPolicy = {
  hasCityScope(p: Principal): boolean {
    return p.role === 'city-admin' || p.role === 'auditor' || p.role === 'integration';
  },

  canActOnDistrict(p: Principal, districtCode: string): boolean {
    if (AccessPolicy.hasCityScope(p)) return true;
    if (p.role === 'district-officer' || p.role === 'supervisor') return p.districts.includes(districtCode);
    return false;
  },

  assertDistrict(p: Principal, districtCode: string): void {
    if (!AccessPolicy.canActOnDistrict(p, districtCode)) {
      throw new ForbiddenException(`district ${districtCode} is outside your districts`);
    }
  },

  /**
   * A SQL condition limiting a read model to the caller's scope (pushes its parameters), or null for city scope.
   * A subject user sees its own subject only.
   */
  sqlScope(
    p: Principal,
    params: unknown[],
    districtColumn = 'district_code',
    subjectColumn = 'subject_id',
  ): string | null {
    if (p.role === 'subject-user')
      return `${subjectColumn} = $${params.push(p.subjectId ?? '00000000-0000-0000-0000-000000000000')}::uuid`;
    if (AccessPolicy.hasCityScope(p)) return null;
    return `${districtColumn} = ANY($${params.push(p.districts)}::text[])`;
  },

  /**
   * The start of a campaign-scoped list's WHERE: the campaign, an optional district (403 outside the caller's
   * districts), the caller's scope and an optional subject type. Column names take `prefix`.
   */
  campaignFilter(
    p: Principal,
    campaignId: string,
    q: { district?: string; type?: string },
    prefix = '',
  ): { where: string[]; params: unknown[] } {
    const params: unknown[] = [campaignId];
    const where = [`${prefix}campaign_id = $1`];
    if (q.district) {
      AccessPolicy.assertDistrict(p, q.district);
      where.push(`${prefix}district_code = $${params.push(q.district)}`);
    }
    const scope = AccessPolicy.sqlScope(p, params, `${prefix}district_code`, `${prefix}subject_id`);
    if (scope) where.push(scope);
    if (q.type) where.push(`${prefix}subject_type = $${params.push(q.type)}`);
    return { where, params };
  },

  canActOnSubject(p: Principal, subjectId: string, subjectDistrict: string): boolean {
    if (p.role === 'subject-user') return p.subjectId === subjectId;
    return AccessPolicy.canActOnDistrict(p, subjectDistrict);
  },

  assertSubject(p: Principal, subjectId: string, subjectDistrict: string): void {
    if (!AccessPolicy.canActOnSubject(p, subjectId, subjectDistrict)) {
      throw new ForbiddenException(`subject ${subjectId} is outside your scope`);
    }
  },

  /** The parties a caller answers for (`city`, `district:<code>`, `subject:<id>`): city admins the city, officers their district bureaus, subject users their subject. */
  heldParties(p: Principal): string[] {
    if (p.role === 'city-admin') return ['city'];
    if (p.role === 'district-officer') return p.districts.map((d) => `district:${d}`);
    if (p.role === 'subject-user' && p.subjectId) return [`subject:${p.subjectId}`];
    return [];
  },

  /** The SQL condition limiting a `party=` filter of the inbox to the caller's scope (403 outside it), or null when nothing more is needed. */
  partyScope(p: Principal, party: string, params: unknown[]): string | null {
    if (AccessPolicy.hasCityScope(p)) return null;
    if (p.role === 'subject-user') {
      if (party !== `subject:${p.subjectId ?? ''}`)
        throw new ForbiddenException('a subject user reads its own reminders only');
      return null;
    }
    if (p.role === 'district-officer') {
      if (party === 'city') throw new ForbiddenException("the city inbox is the city admins'");
      if (party.startsWith('district:')) {
        AccessPolicy.assertDistrict(p, party.slice('district:'.length));
        return null;
      }
      return `recipient_district = ANY($${params.push(p.districts)}::text[])`;
    }
    throw new ForbiddenException(`role ${p.role} has no inbox`);
  },
};
