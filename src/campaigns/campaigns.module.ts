import { Global, Module } from '@nestjs/common';
import { CampaignQueries } from './campaign.queries';
import { CampaignReader } from './campaign.reader';
import { CampaignsController } from './campaigns.controller';
import { DistrictFigures } from './district-figures';
import { ProblemListQueries } from './problem-list.queries';
import { ProgressController } from './progress.controller';

@Global()
@Module({
  controllers: [CampaignsController, ProgressController],
  providers: [CampaignReader, DistrictFigures, CampaignQueries, ProblemListQueries],
  exports: [CampaignReader, DistrictFigures],
})
export class CampaignsModule {}

// what other slices inject from this one
export * from './campaign.reader';
export * from './district-figures';
