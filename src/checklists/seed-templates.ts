/* Generated from docs/seeds (the Chinese item texts are verbatim, typos included: the source wins). */
import type { ChecklistTemplate } from './checklist-template';

export const SEED_TEMPLATES: ChecklistTemplate[] = [
  {
    templateId: 'CQ2022-TI',
    version: 1,
    subjectType: 'training-institution',
    title: '重庆2022 安全培训机构检查情况记录表（附件2）',
    titleEn: 'Chongqing 2022, training institutions (Annex 2)',
    source: '000_18377144129ca0e0.txt',
    items: [
      {
        code: 'CQ2022-TI-01',
        text: '是否存在安全生产培训管理制度不健全、专(兼)职师资力量不足、固定培训场地及教学设施不满足要求等不具备安全生生产培训工作基本条件和安全条件的情况。',
        gloss:
          'Lacks the basic conditions: training rules, full/part-time teachers, fixed venue and teaching facilities',
      },
      {
        code: 'CQ2022-TI-02',
        text: '是否存在未按照培训大纲规定组织教学培训，擅自改变教学内容、压缩培训学时、模拟真题代替理论培训、实操实训流于形式等情况。',
        gloss:
          'Syllabus not followed: content changed, hours cut, mock exam questions instead of theory, token practical training',
      },
      {
        code: 'CQ2022-TI-03',
        text: '是否存在未建立安全生产培训档案，培训档案与考试档案“混为一谈”，档案不规范甚至档案造假的情况。',
        gloss: 'No training archives, training and exam archives mixed up, irregular or falsified archives',
      },
      {
        code: 'CQ2022-TI-04',
        text: '是否存在伙同考试机构和考点点违规操作，举办“包过班”参与考生作弊，倒卖安全生产资格（合格）证书，收取高价培训费用的情况。',
        gloss:
          'Colluding with exam bodies and sites: guaranteed-pass classes, helping candidates cheat, reselling certificates, overcharging',
      },
      {
        code: 'CQ2022-TI-05',
        text: '是否存在理论网络培训作假，网络培训走过场，培训学员身份无审核，过程无管控，“假培训、挂培训、替培训”的情况。',
        gloss: 'Fake online theory training: no identity checks, no process control (fake, nominal or proxy training)',
      },
      {
        code: 'CQ2022-TI-06',
        text: '是否存在实际操作培训作假，实操培训无场地、无设备，实操培训未开展，实操培训讲理论、看视频的情况。',
        gloss: 'Fake practical training: no venue or equipment, not held, theory or videos instead',
      },
      {
        code: 'CQ2022-TI-07',
        text: '是否存在协助、代替学员提供虚假学历证书复印件或学历证明，将不具备初中、高中以上文化程度的学员申报考试的情况。',
        gloss: 'Helping or substituting trainees with false education certificates to enter exams',
      },
      {
        code: 'CQ2022-TI-08',
        text: '是否存在与其他有关网络公司合作，采用相关网络技术手段，帮助培训学员考试作弊的情况。',
        gloss: 'Working with internet firms to help trainees cheat in exams by technical means',
      },
      {
        code: 'CQ2022-TI-09',
        text: '是否存在借用本培训机构场地、设施、设备便利，采取标记、提醒或其他隐蔽行为培训学员考试作弊提供方便的情况。',
        gloss: 'Using own premises and equipment to help trainees cheat (marks, hints, concealed acts)',
      },
      {
        code: 'CQ2022-TI-10',
        text: '是否存在在自行组织的综合行业类安全培训，或其他非高危行业三项岗位人员以外的企业从业人员培训时，培训过程作弊、考试环节“放水”的情况。',
        gloss: 'Cheating or lax exams in self-organised general or non-high-risk staff training',
      },
    ],
  },
  {
    templateId: 'CQ2022-EI',
    version: 1,
    subjectType: 'exam-institution',
    title: '重庆2022 考试机构/分中心检查情况记录表（附件3）',
    titleEn: 'Chongqing 2022, exam bodies (Annex 3)',
    source: '000_18377144129ca0e0.txt',
    items: [
      {
        code: 'CQ2022-EI-01',
        text: '是否存在考试机构未建立，无机构、无职责、无人员，落实区县考试工作不力的情况。',
        gloss: 'No exam body set up (no organisation, duties or staff); district exam work not carried out',
      },
      {
        code: 'CQ2022-EI-02',
        text: '是否存在非煤矿山、危险化学品、烟花爆竹、金属冶炼等高危行业生产经营单位（以下简称高危行业）主要负责人、《安全生产经营单位主要负责人和管理能力考核合格证》主要负责人、《安全生产知识和管理水平考核合格证》主要负责人未使用国家考试系统考试，尤其是烟花爆竹经营点未采取纸质试卷考试的情况。',
        gloss: 'High-risk principals not examined on the national system; fireworks outlets not examined on paper',
      },
      {
        code: 'CQ2022-EI-03',
        text: '是否存在考试机构相关人员从事与所承担考试任务有关培训活动的情况。',
        gloss: 'Exam-body staff doing training related to their exams',
      },
      {
        code: 'CQ2022-EI-04',
        text: '是否存在将考试机构工作任务委托给培训机构或考点承担，聘请培训机构或考点有关人员作为考试机构工作人员的情况。',
        gloss: 'Exam tasks delegated to training institutions or sites, or their staff hired as exam staff',
      },
      {
        code: 'CQ2022-EI-05',
        text: '是否存在考试机构管理制度不落实，未严格执行工作职责，监考人员将考试密码泄露给培训机构或考点有关人员的违纪情况。',
        gloss: 'Rules not applied; invigilators leaking exam passwords to institutions or sites',
      },
      {
        code: 'CQ2022-EI-06',
        text: '是否存在巡考员未审核、未取得巡考员证，监考员未参加培训、未取得监考证，巡考、监考过程中未佩戴证件的情况。',
        gloss: 'Patrol examiners or invigilators unvetted, uncertified, or not wearing credentials',
      },
      {
        code: 'CQ2022-EI-07',
        text: '是否存在监考员、考评员在考试开始时仍未进入考场，在理论考试和实操考试未结束前，离开考场，监考脱岗的情况。',
        gloss: 'Invigilators or assessors absent at the start or leaving before the exam ends',
      },
      {
        code: 'CQ2022-EI-08',
        text: '是否存在监考员、考评员违反考试纪律、纵容或直接参与考生作弊，甚至组织考生作弊的情况。',
        gloss: 'Invigilators or assessors tolerating, joining or organising cheating',
      },
    ],
  },
  {
    templateId: 'CQ2022-ES',
    version: 1,
    subjectType: 'exam-site',
    title: '重庆2022 考试点检查情况记录表（附件4）',
    titleEn: 'Chongqing 2022, exam sites (Annex 4)',
    source: '000_18377144129ca0e0.txt',
    items: [
      {
        code: 'CQ2022-ES-01',
        text: '是否存在考点场地选址安全有问题，理论和实操考试场地异地设立，实操考场分散布局，考场布局有安全隐患的情况。',
        gloss:
          'Unsafe site, theory and practical exams at different places, scattered practical areas, hazardous layout',
      },
      {
        code: 'CQ2022-ES-02',
        text: '是否存在实施设备、设备违反相关安全规程、标准进行安装、搭设，实操设施、设备为不合格产品，未检测、检验合格，超过有效期，仍在使用的情况。',
        gloss: 'Equipment installed against safety rules, substandard, uninspected or expired yet in use',
      },
      {
        code: 'CQ2022-ES-03',
        text: '是否存在私自调整考试设施设备，私自搬迁考试场地，考试条件不达标等不具备考试条件的情况。',
        gloss: 'Unauthorised changes to equipment or moves of the site; exam conditions not met',
      },
      {
        code: 'CQ2022-ES-04',
        text: '是否存在未按要求制定考试计划，未严格按照考试计划组织实施考试，在考试区域外、考试时间外进行考试的情况。',
        gloss: 'No exam plan, plan not followed, exams outside the approved area or time',
      },
      {
        code: 'CQ2022-ES-05',
        text: '是否存在有关工作人员违反考试纪律，为考生作弊提供各种帮助的情况。',
        gloss: 'Staff breaking exam discipline to help candidates cheat',
      },
      {
        code: 'CQ2022-ES-06',
        text: '是否存在未进行考试全过程录像，录像资料未建立档案，录像电子资料未保存三年，录像资料丢失的情况。',
        gloss: 'No full-process video, video not archived or kept three years, recordings lost',
      },
      {
        code: 'CQ2022-ES-07',
        text: '是否存在考试数据采集格式不规范、信息不准确，是否存在考试系统考试数据丢失。',
        gloss: 'Exam data captured irregularly or inaccurately; exam data lost from the system',
      },
      {
        code: 'CQ2022-ES-08',
        text: '是否存在参与考试档案造假，伪造考生相关考试资料的情况。',
        gloss: "Taking part in falsifying exam archives or candidates' exam records",
      },
    ],
  },
  {
    templateId: 'CQ2022-PU',
    version: 1,
    subjectType: 'production-unit',
    title: '重庆2022 生产经营单位检查情况记录表（附件5）',
    titleEn: 'Chongqing 2022, production units (Annex 5)',
    source: '000_18377144129ca0e0.txt',
    items: [
      {
        code: 'CQ2022-PU-01',
        text: '是否存在未组织制定并实施本单位安全培训管理制度和安全生产教育和培训计划，未建立和落实企业安全培训组织、管理责任追究制度的情况。',
        gloss: 'No training rules or plan; no training organisation or accountability system',
      },
      {
        code: 'CQ2022-PU-02',
        text: '是否存在未建立安全管理台账，对三项岗位人员情况不清楚，底数不明的情况。',
        gloss: 'No ledger of the three posts (principal, safety manager, special-operation workers); numbers unknown',
      },
      {
        code: 'CQ2022-PU-03',
        text: '是否存在高危行业生产经营单位主要负责人和安全管理人员在岗半年期满未取得《安全生产知识和管理能力考核合格证》，特种作业人员未取得《特种作业操作证》上岗或持假证上岗；《安全生产品质知识和管理能力考核合格证》每年未再训，《特种作业操作证》到期未复审、未延期换证的情况。',
        gloss:
          'High-risk principals and safety managers without certificates after six months; special-operation workers uncertified or with fake certificates; no yearly retraining or overdue review',
      },
      {
        code: 'CQ2022-PU-04',
        text: '是否存在员工安全培训仅重视安全理论，轻安全操作技能培训，仅重视送培取证培训，轻企业内全员培训，以会代训，培训缺乏针对性和操作性的情况。',
        gloss: 'Theory over skills, certificates over in-house training, meetings instead of training',
      },
      {
        code: 'CQ2022-PU-05',
        text: '是否存在自主培训“走过场”，培训后考核把关不严格，未建立落实安全培训考核奖惩制度的情况。',
        gloss: 'Perfunctory in-house training; lax assessment; no reward and penalty system for training',
      },
      {
        code: 'CQ2022-PU-06',
        text: '是否存在安全培训工作缺乏懂安全培训工作的业务骨干，不知道安全培训工作怎么干、干什么，自主培训能力不强的情况。',
        gloss: 'No competent training staff; weak in-house training capacity',
      },
      {
        code: 'CQ2022-PU-07',
        text: '是否存在安全培训经费投入保障不力，仅重视三项岗位人员的送培经费保障，对其他从业人员培训没有经费保障的情况。',
        gloss: 'Training funding only for the three posts, none for other staff',
      },
      {
        code: 'CQ2022-PU-08',
        text: '是否存在利用现代信息技术开展安全培训的过程中，培训过程、培训质量和培训考核把控不严，网络培训走形式的情况。',
        gloss: 'Online training not controlled: process, quality and assessment lax',
      },
      {
        code: 'CQ2022-PU-09',
        text: '是否存在培训过程资料台账不规范，安全培训档案不完善，应付检查，虚假制造培训班级、培训内容等安全培训档案作假的情况。',
        gloss: 'Irregular training ledgers and archives; falsified classes or content',
      },
      {
        code: 'CQ2022-PU-10',
        text: '是否存在未如实记录安全生产教育和培训情况。',
        gloss: 'Safety education and training not truthfully recorded',
      },
    ],
  },
  {
    templateId: 'LYG2021-TI',
    version: 1,
    subjectType: 'training-institution',
    title: '连云港2021 安全培训机构（二(一)）',
    titleEn: 'Lianyungang 2021, training institutions (II.1)',
    source: '002_1f5dd3e395fa1064.txt',
    items: [
      {
        code: 'LYG2021-TI-01',
        text: '是否存在安全生产培训管理制度不健全、没有配备专职管理人员,没有固定、独立、相对集中的教学场地,专(兼)职师资力量不足、理论和实训教师不具备教学能力,特别是未按要求配备并在培训中使用实训设备设施等不具备安全生产培训工作基本条件的情况。',
        gloss:
          'Lacks basic conditions: rules, full-time managers, fixed venue, qualified teachers, practical equipment',
      },
      {
        code: 'LYG2021-TI-02',
        text: '是否存在未按培训大纲规定组织教学培训,擅自改变教学内容、压缩培训学时、模拟真题代替理论培训、实操实训流于形式,培训质量过程管控不严等情况。',
        gloss:
          'Syllabus not followed: content changed, hours cut, mock questions instead of theory, token practice, lax quality control',
      },
      {
        code: 'LYG2021-TI-03',
        text: '是否存在未建立安全生产培训档案、制造假考勤、假合格资料、假档案等问题,未落实“一班一档”档案管理要求等档案管理不规范情况。',
        gloss: 'No archives; fake attendance, qualification records or archives; no one-archive-per-class',
      },
      {
        code: 'LYG2021-TI-04',
        text: '是否存在与考试机构勾结,举办“包过班”,参与考生作弊,倒卖安全生产资格(合格)证书,收取高价培训费用的情况。',
        gloss: 'Colluding with exam bodies: guaranteed-pass classes, cheating, reselling certificates, overcharging',
      },
    ],
  },
  {
    templateId: 'LYG2021-EI',
    version: 1,
    subjectType: 'exam-institution',
    title: '连云港2021 考试机构（二(二)）',
    titleEn: 'Lianyungang 2021, exam bodies (II.2)',
    source: '002_1f5dd3e395fa1064.txt',
    items: [
      {
        code: 'LYG2021-EI-01',
        text: '是否存在考试管理制度不健全,理论和实操考试场地、设备不达标等不具备考试条件;在批准的考试场地外或使用移动终端组织考试,或未经批准擅自使用纸质试卷代替计算机考试等情况。',
        gloss:
          'Exam rules incomplete, sites or equipment substandard; exams outside approved sites, on mobile devices, or on paper without approval',
      },
      {
        code: 'LYG2021-EI-02',
        text: '是否存在从事与所承担考试任务有关的培训活动,依托培训机构建立的考试点考培不分,培训机构人员组织监考和实操考评等情况。',
        gloss: 'Doing related training; exam sites not separated from training; trainers invigilating or assessing',
      },
      {
        code: 'LYG2021-EI-03',
        text: '是否存在未按要求制定考试计划,未严格按照考试计划组织实施考试,随意变更考试计划,考试计划制定不合理、考试组织松散等情况。',
        gloss: 'No exam plan, plan not followed or changed at will; loosely organised exams',
      },
      {
        code: 'LYG2021-EI-04',
        text: '是否存在实操考核设备设施配备与已开展的考核工种不匹配;实操考核设备不符合或达不到考核的要求;以问答和手指口述代替实操考试,模拟实操考试过度虚拟化等问题。',
        gloss:
          'Practical equipment not matching the trades or the requirements; oral answers or over-virtual simulation instead of practical exams',
      },
      {
        code: 'LYG2021-EI-05',
        text: '是否存在未安排监考、考评人员进行理论考试监考和实操考评,考务人员违反考试纪律、纵容或直接参与考生作弊,甚至组织考生作弊的情况。',
        gloss: 'No invigilators or assessors; staff tolerating, joining or organising cheating',
      },
      {
        code: 'LYG2021-EI-06',
        text: '是否存在未进行考试全过程录像,录像资料未建立档案,考试数据采集格式不规范、信息不准确,考试档案归档不及时或补签、代签等情况。',
        gloss:
          'No full-process video or archive; irregular or inaccurate exam data; late, back-signed or proxy-signed archives',
      },
    ],
  },
  {
    templateId: 'LYG2021-PU',
    version: 1,
    subjectType: 'production-unit',
    title: '连云港2021 生产经营单位（二(三)）',
    titleEn: 'Lianyungang 2021, production units (II.3)',
    source: '002_1f5dd3e395fa1064.txt',
    items: [
      {
        code: 'LYG2021-PU-01',
        text: '是否存在生产经营单位主要负责人未组织制定本单位安全生产教育培训计划、未按计划实施培训;教育培训经费的提取和使用的情况;应用新工艺、新材料、新技术、新设备及新上岗和转岗员工未经安全培训合格上岗,未将被派遣劳动者和外包施工队伍人员纳入统一培训等情况。',
        gloss:
          'Principal did not set or carry out a training plan; training funds; new processes, new or transferred staff, dispatched and contractor workers untrained',
      },
      {
        code: 'LYG2021-PU-02',
        text: '是否存在生产经营单位不落实证书查验责任,特种作业人员无证上岗或持假证上岗以及涂改、转借、转让、冒用证书,使用伪造、变造、买卖特种作业操作证等情况。',
        gloss:
          'Certificates not checked: special-operation workers uncertified or with fake, altered, lent or bought certificates',
      },
      {
        code: 'LYG2021-PU-03',
        text: '危险化学品、烟花爆竹、矿山、金属冶炼等生产经营单位(以下简称高危行业生产经营单位)主要负责人、安全生产管理人员是否存在未按照规定经应急管理部门对其安全生产知识和管理能力考核合格的情况。',
        gloss: 'High-risk principals and safety managers not assessed by the emergency-management authority',
      },
      {
        code: 'LYG2021-PU-04',
        text: '是否存在安全培训管理制度不健全,三级教育培训不符合要求,培训和考试流于形式、走过场,培训档案造假等未如实记录安全生产教育和培训情况。',
        gloss:
          'Training rules incomplete, three-level training substandard, perfunctory training and exams, falsified archives',
      },
    ],
  },
];
