import { Injectable } from '@nestjs/common';
import { AggregateReader } from '../shared/aggregate-reader';
import { notFound } from '../shared/decider';
import { campaignDecider, CampaignState, campaignStream } from './campaign.decider';

/** The campaign as other contexts' commands need it (phases, districts, checklists), folded from its stream. */
@Injectable()
export class CampaignReader {
  constructor(private readonly reader: AggregateReader) {}

  async get(campaignId: string): Promise<CampaignState> {
    const { state } = await this.reader.load(campaignDecider, campaignStream(campaignId));
    if (!state.exists) throw notFound(`campaign ${campaignId} not found`);
    return state;
  }
}
