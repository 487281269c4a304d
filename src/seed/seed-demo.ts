import { INestApplication } from '@nestjs/common';
import { CommandExecutor } from '../shared/command-executor';
import { randomUUID } from 'node:crypto';
import { campaignDecider, campaignStream, LaunchCampaign } from '../campaigns/campaign.decider';
import { EventStore } from '../event-store/event-store';
import { ExecuteDecider } from '../shared/execute-decider.command';
import {
  campaignScopeOf,
  RegisterSubject,
  subjectDecider,
  subjectIdFor,
  subjectStream,
} from '../subjects/subject.decider';
import { usccCheckCharacter } from '../subjects/uscc';
import { supervisionDecider, supervisionStream } from '../cross-check/supervision.decider';
import { CHONGQING_SUPERVISION_GROUPS, chongqing2022 } from './chongqing-2022';
import { lianyungang2021 } from './lianyungang-2021';

export const DEMO_CAMPAIGNS: LaunchCampaign[] = [chongqing2022, lianyungang2021];

const code = (first17: string) => first17 + usccCheckCharacter(first17);

/** Fictional units in 渝中区 (one per subject type) so the phases can be tried at once; no real contacts. */
export const DEMO_SUBJECTS: Omit<RegisterSubject, 'kind' | 'subjectId' | 'campaign'>[] = [
  {
    type: 'training-institution',
    name: '渝中区示例安全培训学校',
    uscc: code('91500103000000001'),
    districtCode: '500103',
    industry: 'safety-training',
    principal: { name: '示例校长' },
    contact: {},
  },
  {
    type: 'exam-institution',
    name: '渝中区示例考试分中心',
    uscc: code('91500103000000002'),
    districtCode: '500103',
    industry: 'safety-training',
    principal: { name: '示例主任' },
    contact: {},
  },
  {
    type: 'exam-site',
    name: '渝中区示例考试点',
    uscc: code('91500103000000003'),
    districtCode: '500103',
    industry: 'safety-training',
    principal: { name: '示例站长' },
    contact: {},
  },
  {
    type: 'production-unit',
    name: '渝中区示例危险化学品经营有限公司',
    uscc: code('91500103000000004'),
    districtCode: '500103',
    industry: 'hazardous-chemicals',
    principal: { name: '示例经理' },
    contact: {},
  },
];

const seedContext = () => ({
  principal: { sub: 'system:seed', role: 'city-admin' as const, districts: [] },
  correlationId: randomUUID(),
});

/** Launches the two source campaigns unless they exist; returns the titles it launched. */
export async function seedDemo(app: INestApplication): Promise<string[]> {
  const commands = app.get(CommandExecutor);
  const store = app.get(EventStore);
  const launched: string[] = [];
  for (const c of DEMO_CAMPAIGNS) {
    const stream = campaignStream(c.campaignId);
    if ((await store.readStream(stream, { toVersion: 1 })).length) continue;
    await commands.execute(new ExecuteDecider(campaignDecider, stream, c, seedContext()));
    launched.push(c.title);
    if (c.campaignId !== chongqing2022.campaignId) continue;
    for (const group of CHONGQING_SUPERVISION_GROUPS) {
      await commands.execute(
        new ExecuteDecider(
          supervisionDecider,
          supervisionStream(c.campaignId),
          { kind: 'FormGroup', campaignId: c.campaignId, campaignDistricts: c.districts.map((d) => d.code), group },
          seedContext(),
        ),
      );
    }
    for (const subject of DEMO_SUBJECTS) {
      const subjectId = subjectIdFor(c.campaignId, subject.uscc);
      await commands.execute(
        new ExecuteDecider(
          subjectDecider,
          subjectStream(subjectId),
          { kind: 'RegisterSubject', subjectId, campaign: campaignScopeOf({ id: c.campaignId, ...c }), ...subject },
          seedContext(),
        ),
      );
    }
  }
  return launched;
}
