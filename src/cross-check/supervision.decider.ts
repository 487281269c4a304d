import { conflict, Decider, DomainEvent, invalid, notFound, Principal } from '../shared/decider';

/**
 * 督查组: the supervision groups of one campaign, one stream per campaign. Every district belongs to at most one
 * group; moving a district is an event of its own.
 */

export interface GroupMember {
  name: string;
  /** the member's account (the token's `sub`): a supervisor acts only through the group listing it */
  account?: string;
  title?: string;
}
export interface SupervisionGroup {
  groupNo: number;
  name: string;
  leader: GroupMember;
  members: GroupMember[];
  liaison: GroupMember;
  districts: string[];
}

export interface FormGroup {
  kind: 'FormGroup';
  campaignId: string;
  campaignDistricts: string[];
  group: SupervisionGroup;
}
export interface AssignDistrict {
  kind: 'AssignDistrict';
  campaignDistricts: string[];
  districtCode: string;
  groupNo: number;
  reason: string;
}
export type SupervisionCommand = FormGroup | AssignDistrict;

export type GroupFormed = DomainEvent<'supervision.group-formed', { campaignId: string } & SupervisionGroup>;
export type DistrictReassigned = DomainEvent<
  'supervision.district-reassigned',
  { campaignId: string; districtCode: string; fromGroup: number | null; toGroup: number; reason: string }
>;
export type SupervisionEvent = GroupFormed | DistrictReassigned;
export const SUPERVISION_EVENT_TYPES: SupervisionEvent['type'][] = [
  'supervision.group-formed',
  'supervision.district-reassigned',
];

export interface SupervisionState {
  exists: boolean;
  campaignId: string;
  groups: SupervisionGroup[];
}
export const initialSupervisionState: SupervisionState = { exists: false, campaignId: '', groups: [] };

export const supervisionStream = (campaignId: string) => `supervision-${campaignId}`;

export const groupOfDistrict = (s: SupervisionState, districtCode: string) =>
  s.groups.find((g) => g.districts.includes(districtCode));

const accounts = (g: SupervisionGroup) => [g.leader, g.liaison, ...g.members].map((m) => m.account).filter(Boolean);

/** A supervisor acts in a district only as a listed member of the group the district is assigned to. */
export function isSupervisorOf(s: SupervisionState, p: Principal, districtCode: string): boolean {
  const g = groupOfDistrict(s, districtCode);
  return p.role === 'supervisor' && !!g && accounts(g).includes(p.sub);
}

function validateMember(m: GroupMember, path: string): void {
  if (!m.name.trim()) throw invalid(`${path}.name`, 'must not be blank');
}

function decide(c: SupervisionCommand, s: SupervisionState): SupervisionEvent[] {
  switch (c.kind) {
    case 'FormGroup': {
      const g = c.group;
      if (!Number.isInteger(g.groupNo) || g.groupNo < 1) throw invalid('groupNo', 'must be a positive integer');
      if (s.groups.some((x) => x.groupNo === g.groupNo))
        throw conflict(`group ${g.groupNo} is already formed`, 'already-exists');
      if (!g.name.trim()) throw invalid('name', 'must not be blank');
      validateMember(g.leader, 'leader');
      validateMember(g.liaison, 'liaison');
      g.members.forEach((m, i) => validateMember(m, `members[${i}]`));
      if (new Set(g.districts).size !== g.districts.length) throw invalid('districts', 'must be unique');
      g.districts.forEach((d, i) => {
        if (!c.campaignDistricts.includes(d))
          throw invalid(
            `districts[${i}]`,
            'must be a district of the campaign',
            `${d} is not a district of the campaign`,
          );
        const other = groupOfDistrict(s, d);
        if (other)
          throw conflict(
            `district ${d} already belongs to group ${other.groupNo}; reassign it instead`,
            'one-group-per-district',
          );
      });
      return [{ type: 'supervision.group-formed', data: { campaignId: c.campaignId, ...g } }];
    }
    case 'AssignDistrict': {
      if (!c.campaignDistricts.includes(c.districtCode))
        throw notFound(`district ${c.districtCode} is not in the campaign`);
      if (!s.groups.some((g) => g.groupNo === c.groupNo)) throw notFound(`group ${c.groupNo} not found`);
      if (!c.reason.trim()) throw invalid('reason', 'must not be blank');
      const from = groupOfDistrict(s, c.districtCode)?.groupNo ?? null;
      if (from === c.groupNo) return [];
      return [
        {
          type: 'supervision.district-reassigned',
          data: {
            campaignId: s.campaignId,
            districtCode: c.districtCode,
            fromGroup: from,
            toGroup: c.groupNo,
            reason: c.reason,
          },
        },
      ];
    }
  }
}

function evolve(s: SupervisionState, e: SupervisionEvent): SupervisionState {
  switch (e.type) {
    case 'supervision.group-formed': {
      const { campaignId, ...group } = e.data;
      return { exists: true, campaignId, groups: [...s.groups, group].sort((a, b) => a.groupNo - b.groupNo) };
    }
    case 'supervision.district-reassigned':
      return {
        ...s,
        groups: s.groups.map((g) => ({
          ...g,
          districts:
            g.groupNo === e.data.toGroup
              ? [...g.districts, e.data.districtCode]
              : g.districts.filter((d) => d !== e.data.districtCode),
        })),
      };
    default:
      return s;
  }
}

export const supervisionDecider: Decider<SupervisionCommand, SupervisionEvent, SupervisionState> = {
  aggregate: 'supervision',
  campaignWide: true,
  initialState: initialSupervisionState,
  decide,
  evolve,
};
