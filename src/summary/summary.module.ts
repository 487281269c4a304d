import { Module } from '@nestjs/common';
import { CrossCheckModule } from '../cross-check/cross-check.module';
import { SummaryFigures } from './summary-figures.service';
import { SummaryController } from './summary.controller';

@Module({ imports: [CrossCheckModule], controllers: [SummaryController], providers: [SummaryFigures] })
export class SummaryModule {}
