import { fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import { RegisterSubject, SubjectCommand, subjectDecider, SubjectEvent, subjectIdFor } from './subject.decider';

const ctx = {
  now: new Date('2022-01-10T00:00:00Z'),
  principal: { sub: 'o', role: 'district-officer' as const, districts: ['500103'] },
};
const campaign = {
  campaignId: 'c1',
  districtCodes: ['500103', '500104'],
  subjectTypes: ['training-institution', 'production-unit'] as const,
};
const register: RegisterSubject = {
  kind: 'RegisterSubject',
  subjectId: subjectIdFor('c1', '91350100M000100Y43'),
  campaign: { ...campaign, subjectTypes: [...campaign.subjectTypes] },
  type: 'training-institution',
  name: '重庆某安全培训有限公司',
  uscc: '91350100M000100Y43',
  districtCode: '500103',
  industry: 'safety-training',
  principal: { name: '张三', phone: '023-12345678' },
  contact: { address: '渝中区解放碑' },
};
const registered = subjectDecider.decide(register, subjectDecider.initialState, ctx)[0];

const when = (given: SubjectEvent[], c: SubjectCommand) => subjectDecider.decide(c, fold(subjectDecider, given), ctx);
const refusal = (given: SubjectEvent[], command: SubjectCommand) => refusalOf(() => when(given, command));

describe('RegisterSubject', () => {
  it('registers with the campaign, and the Chinese text as given', () => {
    expect(registered).toEqual({
      type: 'subject.registered',
      data: {
        subjectId: register.subjectId,
        campaignId: 'c1',
        type: 'training-institution',
        name: '重庆某安全培训有限公司',
        uscc: '91350100M000100Y43',
        districtCode: '500103',
        industry: 'safety-training',
        highRisk: false,
        principal: { name: '张三', phone: '023-12345678' },
        contact: { address: '渝中区解放碑' },
      },
    });
  });

  it('marks high-risk industries', () => {
    const [e] = when([], { ...register, type: 'production-unit', industry: 'hazardous-chemicals' });
    expect((e as { data: { highRisk: boolean } }).data.highRisk).toBe(true);
  });

  it('derives the id from campaign and USCC, so the same code meets the same stream', () => {
    expect(subjectIdFor('c1', '91350100M000100Y43')).toBe(register.subjectId);
    expect(subjectIdFor('c2', '91350100M000100Y43')).not.toBe(register.subjectId);
    expect(register.subjectId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it.each([
    ['a wrong check character', { uscc: '91350100M000100Y44' }, 'uscc', 'check-character'],
    ['a short code', { uscc: '9135' }, 'uscc', 'length'],
    ['a type outside the campaign', { type: 'exam-site' }, 'type', 'must be a subject type of the campaign'],
    [
      'a district outside the campaign',
      { districtCode: '500105' },
      'districtCode',
      'must be a district of the campaign',
    ],
    ['a blank name', { name: ' ' }, 'name', 'must not be blank'],
    ['no principal name', { principal: { name: '' } }, 'principal.name', 'must not be blank'],
    ['a bad phone', { principal: { name: '张三', phone: 'call me' } }, 'principal.phone', 'must be a phone number'],
    ['an unknown industry', { industry: 'space' }, 'industry', 'isIn'],
  ])('refuses %s', (_n, change, field, rule) => {
    expect(refusal([], { ...register, ...(change as object) } as RegisterSubject)).toMatchObject({
      kind: 'invalid',
      field,
      rule,
    });
  });

  it('refuses a USCC already registered in the campaign', () => {
    expect(refusal([registered], register)).toMatchObject({ kind: 'conflict', rule: 'duplicate-uscc' });
  });
});

describe('AmendSubject', () => {
  it('records only what changes, and recomputes the high-risk flag', () => {
    const [e] = when([registered], {
      kind: 'AmendSubject',
      campaign: register.campaign,
      changes: { name: '重庆某安全培训有限公司', industry: 'fireworks', principal: { name: '李四' } },
    });
    expect(e).toEqual({
      type: 'subject.amended',
      data: {
        subjectId: register.subjectId,
        changes: { industry: 'fireworks', principal: { name: '李四' } },
        highRisk: true,
      },
    });
  });

  it('decides nothing when nothing changes', () => {
    expect(
      when([registered], { kind: 'AmendSubject', campaign: register.campaign, changes: { name: register.name } }),
    ).toEqual([]);
  });

  it('refuses a district outside the campaign, an unknown subject and a deactivated one', () => {
    expect(
      refusal([registered], { kind: 'AmendSubject', campaign: register.campaign, changes: { districtCode: 'x' } }),
    ).toMatchObject({
      field: 'districtCode',
    });
    expect(refusal([], { kind: 'AmendSubject', campaign: register.campaign, changes: {} })).toMatchObject({
      kind: 'not-found',
    });
    const deactivated = when([registered], { kind: 'DeactivateSubject', reason: '停业' });
    expect(
      refusal([registered, ...deactivated], {
        kind: 'AmendSubject',
        campaign: register.campaign,
        changes: { name: 'x' },
      }),
    ).toMatchObject({
      kind: 'conflict',
      rule: 'inactive',
    });
  });
});

describe('DeactivateSubject', () => {
  it('deactivates with a reason', () => {
    expect(when([registered], { kind: 'DeactivateSubject', reason: '已注销' })).toEqual([
      { type: 'subject.deactivated', data: { subjectId: register.subjectId, reason: '已注销' } },
    ]);
    expect(
      fold(subjectDecider, [registered, ...when([registered], { kind: 'DeactivateSubject', reason: 'x' })]).active,
    ).toBe(false);
  });

  it('refuses twice, without a reason, or for an unknown subject', () => {
    const deactivated = when([registered], { kind: 'DeactivateSubject', reason: 'x' });
    expect(refusal([registered, ...deactivated], { kind: 'DeactivateSubject', reason: 'x' })).toMatchObject({
      rule: 'inactive',
    });
    expect(refusal([registered], { kind: 'DeactivateSubject', reason: ' ' })).toMatchObject({ field: 'reason' });
    expect(refusal([], { kind: 'DeactivateSubject', reason: 'x' })).toMatchObject({ kind: 'not-found' });
  });
});

describe('OpenInspection (一机构一表单)', () => {
  const open = (
    inspectionId: string,
    previous: { inspectionId: string; completed: boolean } | null = null,
  ): SubjectCommand => ({ kind: 'OpenInspection', inspectionId, previous });
  const opened = (inspectionId: string): SubjectEvent => ({
    type: 'subject.inspection-opened',
    data: { subjectId: register.subjectId, inspectionId, districtCode: '500103' },
  });

  it('records the first inspection on the subject, with its district', () => {
    expect(when([registered], open('i1'))).toEqual([opened('i1')]);
  });

  it('refuses a second while the last is not completed, or when what the shell found is of another inspection', () => {
    expect(refusal([registered, opened('i1')], open('i2'))).toMatchObject({ kind: 'conflict', rule: 'one-form' });
    expect(refusal([registered, opened('i1')], open('i2', { inspectionId: 'i1', completed: false }))).toMatchObject({
      rule: 'one-form',
    });
    expect(refusal([registered, opened('i1')], open('i2', { inspectionId: 'i0', completed: true }))).toMatchObject({
      rule: 'one-form',
    });
  });

  it('opens the next once the last is completed', () => {
    expect(when([registered, opened('i1')], open('i2', { inspectionId: 'i1', completed: true }))).toEqual([
      opened('i2'),
    ]);
  });

  it('refuses a deactivated or unknown subject', () => {
    const deactivated: SubjectEvent = {
      type: 'subject.deactivated',
      data: { subjectId: register.subjectId, reason: '已注销' },
    };
    expect(refusal([registered, deactivated], open('i1'))).toMatchObject({ kind: 'conflict', rule: 'inactive' });
    expect(refusal([], open('i1'))).toMatchObject({ kind: 'not-found' });
  });
});
