import { Global, Module } from '@nestjs/common';
import { CampaignReader } from './campaign.reader';
import { CampaignsController } from './campaigns.controller';

@Global()
@Module({ controllers: [CampaignsController], providers: [CampaignReader], exports: [CampaignReader] })
export class CampaignsModule {}
