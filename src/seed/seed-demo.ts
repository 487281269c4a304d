import { INestApplication } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { campaignDecider, campaignStream, LaunchCampaign } from '../campaigns/campaign.decider';
import { EventStore } from '../event-store/event-store';
import { ExecuteDecider } from '../shared/execute-decider.command';
import { chongqing2022 } from './chongqing-2022';
import { lianyungang2021 } from './lianyungang-2021';

export const DEMO_CAMPAIGNS: LaunchCampaign[] = [chongqing2022, lianyungang2021];

/** Launches the two source campaigns unless they exist; returns the titles it launched. */
export async function seedDemo(app: INestApplication): Promise<string[]> {
  const commands = app.get(CommandBus);
  const store = app.get(EventStore);
  const launched: string[] = [];
  for (const c of DEMO_CAMPAIGNS) {
    const stream = campaignStream(c.campaignId);
    if ((await store.readStream(stream, { toVersion: 1 })).length) continue;
    await commands.execute(
      new ExecuteDecider(campaignDecider, stream, c, {
        principal: { sub: 'system:seed', role: 'city-admin', districts: [] },
        correlationId: randomUUID(),
      }),
    );
    launched.push(c.title);
  }
  return launched;
}
