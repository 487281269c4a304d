import { Global, Module } from '@nestjs/common';
import { CampaignReader } from './campaign.reader';
import { CampaignsController } from './campaigns.controller';
import { DistrictFigures } from './district-figures';
import { ProgressController } from './progress.controller';

@Global()
@Module({
  controllers: [CampaignsController, ProgressController],
  providers: [CampaignReader, DistrictFigures],
  exports: [CampaignReader, DistrictFigures],
})
export class CampaignsModule {}
