import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { ReportingController } from './reporting.controller';
import { ReportingQueries } from './reporting.queries';

@Module({ imports: [SubjectsModule], controllers: [ReportingController], providers: [ReportingQueries] })
export class ReportingModule {}
