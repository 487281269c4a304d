import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import { chongqing2022 } from '../seed/chongqing-2022';
import { lianyungang2021 } from '../seed/lianyungang-2021';
import {
  CampaignCommand,
  CampaignEvent,
  campaignDecider,
  campaignStatus,
  currentPhase,
  LaunchCampaign,
} from './campaign.decider';
import { PhaseId } from '../domain';

const NOW = new Date('2022-04-01T01:00:00.000Z');
const ctx: DecideContext = { now: NOW, principal: { sub: 'admin', role: 'city-admin', districts: [] } };
const launch: LaunchCampaign = { ...lianyungang2021, campaignId: 'c1' };
const { type: _t, ...launchedData } = launch;
const launched = { type: 'campaign.launched', data: launchedData } as CampaignEvent;
const opened = (phase: PhaseId): CampaignEvent => ({
  type: 'campaign.phase-opened',
  data: { campaignId: 'c1', phase, openedAt: NOW.toISOString() },
});
const closed = (phase: PhaseId): CampaignEvent => ({
  type: 'campaign.phase-closed',
  data: { campaignId: 'c1', phase, closedAt: NOW.toISOString() },
});

/** given events, when a command: the events decided */
function when(given: CampaignEvent[], command: CampaignCommand): CampaignEvent[] {
  return campaignDecider.decide(command, fold(campaignDecider, given), ctx);
}

const refusal = (given: CampaignEvent[], command: CampaignCommand) => refusalOf(() => when(given, command));

describe('LaunchCampaign', () => {
  it('launches a new campaign with the command as its data', () => {
    expect(when([], launch)).toEqual([launched]);
  });

  it('accepts both seeded source campaigns (Chongqing 42 units, Lianyungang 10)', () => {
    expect(when([], chongqing2022)[0].data).toMatchObject({ jurisdiction: '500000' });
    expect(chongqing2022.districts).toHaveLength(42);
    expect(when([], lianyungang2021)[0].type).toBe('campaign.launched');
  });

  it('refuses a campaign that already exists', () => {
    expect(refusal([launched], launch)).toMatchObject({ kind: 'conflict', rule: 'already-exists' });
  });

  it.each([
    ['title', { title: '  ' }, 'title'],
    ['issuer', { issuer: '' }, 'issuer'],
    ['jurisdiction code', { jurisdiction: '中国' }, 'jurisdiction'],
    ['no districts', { districts: [] }, 'districts'],
    [
      'a duplicate district',
      {
        districts: [
          { code: '320703', name: '连云区' },
          { code: '320703', name: '连云区' },
        ],
      },
      'districts[1].code',
    ],
    ['a district outside the jurisdiction', { districts: [{ code: '500103', name: '渝中区' }] }, 'districts[0].code'],
    ['a blank district name', { districts: [{ code: '320703', name: ' ' }] }, 'districts[0].name'],
    ['no subject types', { subjectTypes: [] }, 'subjectTypes'],
    ['duplicate subject types', { subjectTypes: ['exam-site', 'exam-site'] }, 'subjectTypes'],
    [
      'phases out of order',
      { phases: [launch.phases[1], launch.phases[0], launch.phases[2], launch.phases[3]] },
      'phases',
    ],
    ['a missing phase', { phases: launch.phases.slice(0, 3) }, 'phases'],
    [
      'an impossible date',
      { phases: [{ ...launch.phases[0], start: '2022-02-30' }, ...launch.phases.slice(1)] },
      'phases[0].start',
    ],
    [
      'end before start',
      { phases: [{ ...launch.phases[0], end: '2021-11-30' }, ...launch.phases.slice(1)] },
      'phases[0].end',
    ],
    [
      'a phase starting before the previous one',
      { phases: [launch.phases[0], { ...launch.phases[1], start: '2021-11-01' }, ...launch.phases.slice(2)] },
      'phases[1].start',
    ],
    [
      'a deadline with a bad due date',
      { deadlines: [{ ...launch.deadlines[0], due: '2022-13-01' }] },
      'deadlines[0].due',
    ],
    ['a duplicate deadline key', { deadlines: [launch.deadlines[0], launch.deadlines[0]] }, 'deadlines[1].key'],
    [
      'a deadline owed by a subject type the campaign lacks',
      { deadlines: [{ ...launch.deadlines[0], owedBy: 'exam-site' }] },
      'deadlines[0].owedBy',
    ],
    [
      'a deadline key that is not kebab-case',
      { deadlines: [{ ...launch.deadlines[0], key: 'Bad_Key' }] },
      'deadlines[0].key',
    ],
  ])('refuses %s, naming the field', (_name, change, field) => {
    expect(refusal([], { ...launch, ...(change as Partial<LaunchCampaign>) })).toMatchObject({
      kind: 'invalid',
      field,
    });
  });
});

describe('OpenPhase', () => {
  it('opens the first phase of a launched campaign at the time passed in', () => {
    expect(when([launched], { type: 'OpenPhase', phase: 'self-correction' })).toEqual([opened('self-correction')]);
  });

  it('opens the next phase once the previous one has closed', () => {
    expect(
      when([launched, opened('self-correction'), closed('self-correction')], {
        type: 'OpenPhase',
        phase: 'enforcement',
      }),
    ).toEqual([opened('enforcement')]);
  });

  it('refuses a phase whose predecessor has not run, explaining the order', () => {
    const err = refusal([launched], { type: 'OpenPhase', phase: 'enforcement' });
    expect(err).toMatchObject({ kind: 'conflict', rule: 'phase-order' });
    expect(err.message).toContain('self-correction is not yet run');
    expect(err.message).toContain('self-correction → enforcement → cross-check → summary');
  });

  it('refuses a phase while its predecessor is still open', () => {
    const err = refusal([launched, opened('self-correction')], { type: 'OpenPhase', phase: 'enforcement' });
    expect(err.message).toContain('self-correction is still open');
  });

  it('refuses to open a phase twice or to reopen a closed one', () => {
    expect(
      refusal([launched, opened('self-correction')], { type: 'OpenPhase', phase: 'self-correction' }).message,
    ).toContain('already open');
    expect(
      refusal([launched, opened('self-correction'), closed('self-correction')], {
        type: 'OpenPhase',
        phase: 'self-correction',
      }).message,
    ).toContain('cannot reopen');
  });

  it('refuses on a campaign that does not exist', () => {
    expect(refusal([], { type: 'OpenPhase', phase: 'self-correction' })).toMatchObject({ kind: 'not-found' });
  });
});

describe('ClosePhase', () => {
  it('closes the open phase', () => {
    expect(when([launched, opened('self-correction')], { type: 'ClosePhase', phase: 'self-correction' })).toEqual([
      closed('self-correction'),
    ]);
  });

  it('refuses a phase that is not open, or already closed', () => {
    expect(refusal([launched], { type: 'ClosePhase', phase: 'self-correction' }).message).toContain('not open yet');
    expect(
      refusal([launched, opened('self-correction'), closed('self-correction')], {
        type: 'ClosePhase',
        phase: 'self-correction',
      }).message,
    ).toContain('already closed');
  });

  it('refuses on a campaign that does not exist', () => {
    expect(refusal([], { type: 'ClosePhase', phase: 'summary' })).toMatchObject({ kind: 'not-found' });
  });

  it('closing the last phase completes the campaign', () => {
    const all = ['self-correction', 'enforcement', 'cross-check', 'summary'] as PhaseId[];
    const history = [launched, ...all.flatMap((p) => [opened(p), closed(p)])];
    const state = fold(campaignDecider, history);
    expect(campaignStatus(state)).toBe('completed');
    expect(currentPhase(state)).toBeNull();
    expect(campaignStatus(fold(campaignDecider, [launched, opened('self-correction')]))).toBe('in-progress');
  });
});

describe('SetDeadline', () => {
  it('amends an existing deadline with its reason and previous value', () => {
    expect(
      when([launched], { type: 'SetDeadline', key: 'summary-report', due: '2022-09-30', reason: '与主文一致' }),
    ).toEqual([
      {
        type: 'campaign.deadline-amended',
        data: {
          campaignId: 'c1',
          key: 'summary-report',
          previousDue: '2022-09-25',
          due: '2022-09-30',
          previousTitle: '专项整治工作总结',
          title: '专项整治工作总结',
          reason: '与主文一致',
        },
      },
    ]);
  });

  it('adds a deadline the campaign does not have yet when title and owedBy are given', () => {
    const [e] = when([launched], {
      type: 'SetDeadline',
      key: 'typical-cases',
      due: '2022-08-15',
      reason: '补充',
      title: '典型案例',
      owedBy: 'district-bureau',
    });
    expect(e).toEqual({
      type: 'campaign.deadline-added',
      data: {
        campaignId: 'c1',
        key: 'typical-cases',
        title: '典型案例',
        due: '2022-08-15',
        owedBy: 'district-bureau',
        reason: '补充',
      },
    });
  });

  it('decides nothing when the deadline already has that date and title', () => {
    expect(when([launched], { type: 'SetDeadline', key: 'summary-report', due: '2022-09-25', reason: 'same' })).toEqual(
      [],
    );
  });

  it('refuses a new deadline without title and owedBy', () => {
    expect(
      refusal([launched], { type: 'SetDeadline', key: 'new-thing', due: '2022-08-15', reason: 'x' }),
    ).toMatchObject({
      kind: 'invalid',
      field: 'title',
    });
  });

  it('refuses a blank reason, a bad date and a change of who owes it', () => {
    expect(
      refusal([launched], { type: 'SetDeadline', key: 'summary-report', due: '2022-09-30', reason: ' ' }),
    ).toMatchObject({ field: 'reason' });
    expect(
      refusal([launched], { type: 'SetDeadline', key: 'summary-report', due: '2022-02-31', reason: 'x' }),
    ).toMatchObject({
      field: 'body.due',
    });
    expect(
      refusal([launched], {
        type: 'SetDeadline',
        key: 'summary-report',
        due: '2022-09-30',
        reason: 'x',
        owedBy: 'training-institution',
      }),
    ).toMatchObject({ field: 'owedBy' });
  });

  it('refuses once the campaign is completed', () => {
    const all = ['self-correction', 'enforcement', 'cross-check', 'summary'] as PhaseId[];
    const history = [launched, ...all.flatMap((p) => [opened(p), closed(p)])];
    expect(
      refusal(history, { type: 'SetDeadline', key: 'summary-report', due: '2022-09-30', reason: 'x' }),
    ).toMatchObject({
      kind: 'conflict',
      rule: 'completed',
    });
  });

  it('refuses on a campaign that does not exist', () => {
    expect(refusal([], { type: 'SetDeadline', key: 'summary-report', due: '2022-09-30', reason: 'x' })).toMatchObject({
      kind: 'not-found',
    });
  });

  it('evolves the amended and added deadlines into state', () => {
    const state = fold(campaignDecider, [
      launched,
      ...when([launched], {
        type: 'SetDeadline',
        key: 'summary-report',
        due: '2022-09-30',
        reason: 'x',
        title: '总结报告',
      }),
    ]);
    expect(state.deadlines.find((d) => d.key === 'summary-report')).toEqual({
      key: 'summary-report',
      title: '总结报告',
      due: '2022-09-30',
      owedBy: 'district-bureau',
    });
  });
});

describe('checklists', () => {
  it('are chosen at launch, pinned to a version, and readable from the state', () => {
    const state = fold(campaignDecider, when([], launch));
    expect(state.checklists).toEqual({
      'training-institution': { templateId: 'LYG2021-TI', version: 1 },
      'exam-institution': { templateId: 'LYG2021-EI', version: 1 },
      'production-unit': { templateId: 'LYG2021-PU', version: 1 },
    });
  });

  it('launch without a version pins the latest', () => {
    const [e] = when([], { ...launch, checklists: [{ subjectType: 'exam-institution', templateId: 'LYG2021-EI' }] });
    expect((e.data as { checklists: unknown[] }).checklists).toEqual([
      { subjectType: 'exam-institution', templateId: 'LYG2021-EI', version: 1 },
    ]);
  });

  it('ChooseChecklist changes the template for one subject type, and is a no-op when already so', () => {
    const bare = { ...launched, data: { ...launched.data, checklists: [] } } as CampaignEvent;
    expect(
      when([bare], { type: 'ChooseChecklist', subjectType: 'training-institution', templateId: 'LYG2021-TI' }),
    ).toEqual([
      {
        type: 'campaign.checklist-chosen',
        data: { campaignId: 'c1', subjectType: 'training-institution', templateId: 'LYG2021-TI', version: 1 },
      },
    ]);
    expect(
      when([launched], {
        type: 'ChooseChecklist',
        subjectType: 'training-institution',
        templateId: 'LYG2021-TI',
        version: 1,
      }),
    ).toEqual([]);
  });

  it.each([
    ['an unknown template', { templateId: 'XX2020-TI' }, 'body.templateId', 'must name a published checklist template'],
    [
      'an unpublished version',
      { templateId: 'LYG2021-TI', version: 2 },
      'body.templateId',
      'must name a published checklist template',
    ],
    [
      "another type's template",
      { templateId: 'LYG2021-EI' },
      'body.templateId',
      'must be a template for the subject type',
    ],
    [
      'a type the campaign lacks',
      { subjectType: 'exam-site', templateId: 'CQ2022-ES' },
      'body.subjectType',
      'must be a subject type of the campaign',
    ],
  ])('refuses %s', (_, over, field, rule) => {
    const e = refusal([launched], {
      type: 'ChooseChecklist',
      subjectType: 'training-institution',
      ...over,
    } as CampaignCommand);
    expect([e.field, e.rule]).toEqual([field, rule]);
  });

  it('refuses a launch naming two templates for one type', () => {
    const e = refusal([], {
      ...launch,
      checklists: [...launch.checklists!, { subjectType: 'production-unit', templateId: 'LYG2021-PU', version: 1 }],
    });
    expect([e.field, e.rule]).toEqual(['checklists[3].subjectType', 'must be unique']);
  });
});

describe('SetReminderSchedule', () => {
  const set = (
    over: Partial<{ daysBefore: number[]; overdueAfterDays: number; at: string; reason: string }> = {},
  ): CampaignCommand => ({
    type: 'SetReminderSchedule',
    daysBefore: [1, 14, 3],
    overdueAfterDays: 2,
    at: '08:30',
    reason: '提前提醒',
    ...over,
  });
  it('records the schedule, days before sorted from the earliest, and folds it into the state', () => {
    const events = when([launched], set());
    expect(events).toEqual([
      {
        type: 'campaign.reminder-schedule-set',
        data: { campaignId: 'c1', reason: '提前提醒', daysBefore: [14, 3, 1], overdueAfterDays: 2, at: '08:30' },
      },
    ]);
    expect(fold(campaignDecider, [launched, ...events]).reminderSchedule).toEqual({
      daysBefore: [14, 3, 1],
      overdueAfterDays: 2,
      at: '08:30',
    });
  });
  it('starts from 7 and 1 days before and the due day at 09:00, escalating the day after', () => {
    expect(fold(campaignDecider, [launched]).reminderSchedule).toEqual({
      daysBefore: [7, 1, 0],
      overdueAfterDays: 1,
      at: '09:00',
    });
    expect(when([launched], set({ daysBefore: [0, 7, 1], overdueAfterDays: 1, at: '09:00' }))).toEqual([]);
  });
  it('refuses a bad schedule, naming the field', () => {
    expect(refusal([launched], set({ at: '9:00' }))).toMatchObject({ kind: 'invalid', field: 'at' });
    expect(refusal([launched], set({ daysBefore: [3, 3] }))).toMatchObject({ kind: 'invalid', field: 'daysBefore' });
    expect(refusal([launched], set({ reason: ' ' }))).toMatchObject({ kind: 'invalid', field: 'reason' });
    expect(refusal([], set())).toMatchObject({ kind: 'not-found' });
  });
});
