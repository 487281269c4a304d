import { LaunchCampaign } from '../campaigns/campaign.decider';

/** Lianyungang 2021 (连云港市应急管理局, 2021-12-29, shared/seeds/002_…): six districts/counties and four function zones. */
export const LIANYUNGANG_2021_ID = '1a9c2021-0000-4000-8000-320700000001';

export const lianyungang2021: LaunchCampaign = {
  type: 'LaunchCampaign',
  campaignId: LIANYUNGANG_2021_ID,
  title: '连云港市安全生产培训“走过场”专项整治工作实施方案',
  issuer: '连云港市应急管理局',
  jurisdiction: '320700',
  districts: [
    { code: '320703', name: '连云区' },
    { code: '320706', name: '海州区' },
    { code: '320707', name: '赣榆区' },
    { code: '320722', name: '东海县' },
    { code: '320723', name: '灌云县' },
    { code: '320724', name: '灌南县' },
    { code: 'LYG-KFQ', name: '连云港经济技术开发区' },
    { code: 'LYG-XWXQ', name: '徐圩新区' },
    { code: 'LYG-GXQ', name: '连云港高新区' },
    { code: 'LYG-YTS', name: '云台山景区' },
  ],
  subjectTypes: ['training-institution', 'exam-institution', 'production-unit'],
  phases: [
    { id: 'self-correction', start: '2021-12-01', end: '2022-03-31' },
    { id: 'enforcement', start: '2022-04-01', end: '2022-07-31' },
    { id: 'cross-check', start: '2022-08-01', end: '2022-09-30' },
    { id: 'summary', start: '2022-10-01', end: '2022-10-31' },
  ],
  deadlines: [
    {
      key: 'implementation-plan',
      title: '专项整治实施方案及联系人报市应急管理局',
      due: '2022-01-05',
      owedBy: 'district-bureau',
    },
    {
      key: 'self-correction-report',
      title: '安全培训机构自查自改报告（主要负责人签字承诺）',
      due: '2022-03-25',
      owedBy: 'training-institution',
    },
    {
      key: 'self-correction-summary',
      title: '生产经营单位自查自改情况汇总',
      due: '2022-04-10',
      owedBy: 'district-bureau',
    },
    ...['05', '06', '07', '08'].map((m) => ({
      key: `monthly-report-2022-${m}`,
      title: `上月执法检查、行政处罚、典型案例情况（2022年${Number(m)}月报送）`,
      due: `2022-${m}-02`,
      owedBy: 'district-bureau' as const,
    })),
    { key: 'summary-report', title: '专项整治工作总结', due: '2022-09-25', owedBy: 'district-bureau' },
  ],
  checklists: [
    { subjectType: 'training-institution', templateId: 'LYG2021-TI', version: 1 },
    { subjectType: 'exam-institution', templateId: 'LYG2021-EI', version: 1 },
    { subjectType: 'production-unit', templateId: 'LYG2021-PU', version: 1 },
  ],
};
