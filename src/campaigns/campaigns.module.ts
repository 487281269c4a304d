import { Global, Module } from '@nestjs/common';
import { CampaignReader } from './campaign.reader';
import { CampaignsController } from './campaigns.controller';
import { ProgressController } from './progress.controller';

@Global()
@Module({ controllers: [CampaignsController, ProgressController], providers: [CampaignReader], exports: [CampaignReader] })
export class CampaignsModule {}
