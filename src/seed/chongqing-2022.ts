import { LaunchCampaign } from '../campaigns/campaign.decider';
import type { SupervisionGroup } from '../cross-check/supervision.decider';

/**
 * Chongqing 2022 (渝安考函〔2022〕4号, shared/seeds/000_…): 38 districts/counties with GB/T 2260 codes and four
 * zones with product codes, four supervision groups (domain.md §5; no officials' contacts).
 */
export const CHONGQING_2022_ID = '5c0a2022-0000-4000-8000-500000000001';

const G = (entries: [string, string][]) => entries.map(([code, name]) => ({ code, name }));

export const CHONGQING_GROUPS = [
  G([
    ['500103', '渝中区'],
    ['500104', '大渡口区'],
    ['500105', '江北区'],
    ['500106', '沙坪坝区'],
    ['500107', '九龙坡区'],
    ['500108', '南岸区'],
    ['500109', '北碚区'],
    ['500112', '渝北区'],
    ['500113', '巴南区'],
    ['500120', '璧山区'],
    ['500116', '江津区'],
    ['500118', '永川区'],
  ]),
  G([
    ['500117', '合川区'],
    ['500111', '大足区'],
    ['CQ-SQJK', '双桥经开区'],
    ['500153', '荣昌区'],
    ['500151', '铜梁区'],
    ['500152', '潼南区'],
    ['500102', '涪陵区'],
    ['500115', '长寿区'],
    ['500119', '南川区'],
    ['CQ-GXQ', '重庆高新区'],
  ]),
  G([
    ['500241', '秀山县'],
    ['500242', '酉阳县'],
    ['500114', '黔江区'],
    ['500243', '彭水县'],
    ['500156', '武隆区'],
    ['500230', '丰都县'],
    ['500233', '忠县'],
    ['500110', '綦江区'],
    ['CQ-WSJK', '万盛经开区'],
    ['CQ-LJXQ', '两江新区'],
  ]),
  G([
    ['500101', '万州区'],
    ['500155', '梁平区'],
    ['500154', '开州区'],
    ['500231', '垫江县'],
    ['500229', '城口县'],
    ['500240', '石柱县'],
    ['500235', '云阳县'],
    ['500236', '奉节县'],
    ['500237', '巫山县'],
    ['500238', '巫溪县'],
  ]),
];

export const chongqing2022: LaunchCampaign = {
  type: 'LaunchCampaign',
  campaignId: CHONGQING_2022_ID,
  title: '重庆市安全生产培训“走过场”专项整治工作落实情况督查',
  issuer: '重庆市安全生产考试中心',
  jurisdiction: '500000',
  districts: CHONGQING_GROUPS.flat(),
  subjectTypes: ['training-institution', 'exam-institution', 'exam-site', 'production-unit'],
  phases: [
    { id: 'self-correction', start: '2021-11-01', end: '2022-03-31' },
    { id: 'enforcement', start: '2022-04-01', end: '2022-07-31' },
    { id: 'cross-check', start: '2022-08-01', end: '2022-08-31' },
    { id: 'summary', start: '2022-09-01', end: '2022-09-30' },
  ],
  deadlines: [
    {
      key: 'self-evaluation',
      title: '区县自评报告（附件6，盖章扫描件及电子版）',
      due: '2022-08-15',
      owedBy: 'district-bureau',
    },
    { key: 'typical-cases', title: '未报送典型案例的区县报送典型案例', due: '2022-08-15', owedBy: 'district-bureau' },
    { key: 'summary-report', title: '专项整治工作总结报告', due: '2022-09-30', owedBy: 'district-bureau' },
    // 每月调度 (Annex 6 item 13): the enforcement months April–July, each reported by the 2nd of the next month
    ...['05', '06', '07', '08'].map((m) => ({
      key: `monthly-report-2022-${m}`,
      title: `专项整治进展情况汇报表、月度工作报告和典型案例（2022年${Number(m) - 1}月）`,
      due: `2022-${m}-02`,
      owedBy: 'district-bureau' as const,
    })),
  ],
  checklists: [
    { subjectType: 'training-institution', templateId: 'CQ2022-TI', version: 1 },
    { subjectType: 'exam-institution', templateId: 'CQ2022-EI', version: 1 },
    { subjectType: 'exam-site', templateId: 'CQ2022-ES', version: 1 },
    { subjectType: 'production-unit', templateId: 'CQ2022-PU', version: 1 },
  ],
};

const GROUP_NAMES = ['第一督查组', '第二督查组', '第三督查组', '第四督查组'];

/** The four supervision groups of domain.md §5: structure and districts only (roles, not officials' names or contacts). */
export const CHONGQING_SUPERVISION_GROUPS: SupervisionGroup[] = CHONGQING_GROUPS.map((districts, i) => ({
  groupNo: i + 1,
  name: GROUP_NAMES[i],
  leader: { name: `${GROUP_NAMES[i]}组长`, title: '组长' },
  members: [{ name: `${GROUP_NAMES[i]}成员`, title: '成员' }],
  liaison: { name: `${GROUP_NAMES[i]}联络员`, title: '联络员' },
  districts: districts.map((d) => d.code),
}));
