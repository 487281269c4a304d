import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { SelfInspectionQueries } from './self-inspection.queries';
import { SelfInspectionsController } from './self-inspections.controller';

@Module({ imports: [SubjectsModule], controllers: [SelfInspectionsController], providers: [SelfInspectionQueries] })
export class SelfCorrectionModule {}
