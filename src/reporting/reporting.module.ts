import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { ReportingController } from './reporting.controller';

@Module({ imports: [SubjectsModule], controllers: [ReportingController] })
export class ReportingModule {}
