import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../auth/access-policy';
import { AggregateReader } from '../shared/aggregate-reader';
import { notFound, Principal } from '../shared/decider';
import { subjectDecider, SubjectState, subjectStream } from './subject.decider';

/** A subject of a campaign as commands need it, folded from its stream; out of the caller's scope it does not exist. */
@Injectable()
export class SubjectReader {
  constructor(private readonly reader: AggregateReader) {}

  async getInScope(campaignId: string, subjectId: string, p: Principal): Promise<SubjectState> {
    const { state } = await this.reader.load(subjectDecider, subjectStream(subjectId));
    if (!state.exists || state.campaignId !== campaignId || !AccessPolicy.canActOnSubject(p, subjectId, state.districtCode!)) {
      throw notFound(`subject ${subjectId} not found in campaign ${campaignId}`);
    }
    return state;
  }
}
