import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../auth/access-policy';
import { AggregateReader } from '../shared/aggregate-reader';
import { notFound, Principal } from '../shared/decider';
import { subjectDecider, SubjectState, subjectStream } from './subject.decider';

/**
 * A subject as commands need it, folded from its stream. Outside the caller's scope (or outside the campaign
 * named) it does not exist: a 404.
 */
@Injectable()
export class SubjectReader {
  constructor(private readonly reader: AggregateReader) {}

  async getInScope(subjectId: string, p: Principal, campaignId?: string): Promise<SubjectState> {
    const state = await this.get(subjectId, campaignId);
    if (!AccessPolicy.canActOnSubject(p, subjectId, state.districtCode!)) throw this.notFound(subjectId, campaignId);
    return state;
  }

  /** For a caller whose mandate is not a district scope (a supervision group in its assigned district). */
  async get(subjectId: string, campaignId?: string): Promise<SubjectState> {
    const { state } = await this.reader.load(subjectDecider, subjectStream(subjectId));
    if (!state.exists || (campaignId !== undefined && state.campaignId !== campaignId))
      throw this.notFound(subjectId, campaignId);
    return state;
  }

  private notFound(subjectId: string, campaignId?: string) {
    return notFound(`subject ${subjectId} not found${campaignId ? ` in campaign ${campaignId}` : ''}`);
  }
}
