import { DecideContext, fold } from '../shared/decider';
import { refusalOf } from '../shared/decider.testing';
import { BulletinCommand, bulletinDecider, BulletinEvent } from './bulletin.decider';
import { SummaryReportCommand, summaryReportDecider, SummaryReportEvent } from './summary-report.decider';

const NOW = '2022-09-20T02:00:00.000Z';
const ctx: DecideContext = {
  now: new Date(NOW),
  principal: { sub: 'u', role: 'district-officer', districts: ['500103'] },
};
const open = { phase: 'open' as const };

describe('summary reports', () => {
  const narrative = { problemsFound: '部分培训机构档案不全', causes: '主体责任落实不到位', measures: '建立长效机制' };
  const write = (n: object = narrative): SummaryReportCommand => ({
    kind: 'WriteNarrative',
    ...open,
    campaignId: 'C',
    districtCode: '500103',
    narrative: n,
  });
  const when = (given: SummaryReportEvent[], c: SummaryReportCommand) =>
    summaryReportDecider.decide(c, fold(summaryReportDecider, given), ctx);
  const written = when([], write());
  const submitted = when(written, { kind: 'SubmitSummary', ...open, due: '2022-09-30', figures: { subjects: 4 } });

  it('writes the narrative, submits with frozen figures, is returned, resubmitted and accepted', () => {
    expect(written).toEqual([
      {
        type: 'summary-report.narrative-written',
        data: { campaignId: 'C', districtCode: '500103', narrative, writtenAt: NOW },
      },
    ]);
    expect(when(written, write({ causes: narrative.causes }))).toEqual([]);
    expect(submitted).toEqual([
      {
        type: 'summary-report.submitted',
        data: {
          campaignId: 'C',
          districtCode: '500103',
          submittedAt: NOW,
          due: '2022-09-30',
          late: false,
          figures: { subjects: 4 },
        },
      },
    ]);
    const returned = when([...written, ...submitted], { kind: 'ReturnSummary', ...open, reason: '原因分析不够深入' });
    expect(returned[0].type).toBe('summary-report.returned');
    const h = [
      ...written,
      ...submitted,
      ...returned,
      ...when([...written, ...submitted, ...returned], write({ causes: '深入分析：……' })),
    ];
    const again = when(h, { kind: 'SubmitSummary', ...open, due: '2022-09-19', figures: {} });
    expect(again[0].data).toMatchObject({ late: true });
    expect(when([...h, ...again], { kind: 'AcceptSummary', ...open })[0]).toMatchObject({
      type: 'summary-report.accepted',
      data: { comment: null },
    });
  });
  it.each([
    ['summary is not open', [], { ...write(), phase: 'pending' }, 'phase-not-open'],
    ['a part is blank', [], write({ causes: ' ' }), 'must not be blank'],
    ['nothing is given', [], write({}), 'must give at least one part'],
    [
      'the narrative is incomplete',
      'partial',
      { kind: 'SubmitSummary', ...open, due: null, figures: {} },
      'narrative-incomplete',
    ],
    ['it is submitted', 'submitted', write(), 'submitted'],
    ['accepting a draft', 'written', { kind: 'AcceptSummary', ...open }, 'not-submitted'],
    ['returning without a reason', 'submitted', { kind: 'ReturnSummary', ...open, reason: ' ' }, 'must not be blank'],
  ])('refuses when %s', (_, given, c, rule) => {
    const h: Record<string, SummaryReportEvent[]> = {
      partial: when([], write({ problemsFound: 'x' })),
      submitted: [...written, ...submitted],
      written,
    };
    expect(
      refusalOf(() =>
        when(typeof given === 'string' ? h[given] : (given as SummaryReportEvent[]), c as SummaryReportCommand),
      ).rule,
    ).toBe(rule);
  });
});

describe('the bulletin', () => {
  const publish: BulletinCommand = {
    kind: 'PublishBulletin',
    ...open,
    campaignId: 'C',
    title: '专项整治工作通报',
    content: { districts: [] },
  };
  const when = (given: BulletinEvent[], c: BulletinCommand) =>
    bulletinDecider.decide(c, fold(bulletinDecider, given), ctx);
  it('numbers each issue', () => {
    const first = when([], publish);
    expect(first).toEqual([
      {
        type: 'bulletin.published',
        data: { campaignId: 'C', issueNo: 1, title: '专项整治工作通报', publishedAt: NOW, content: { districts: [] } },
      },
    ]);
    expect(when(first, publish)[0].data.issueNo).toBe(2);
  });
  it('refuses before the summary phase and without a title', () => {
    expect(refusalOf(() => when([], { ...publish, phase: 'pending' })).rule).toBe('phase-not-open');
    expect(refusalOf(() => when([], { ...publish, title: ' ' })).rule).toBe('must not be blank');
  });
});
