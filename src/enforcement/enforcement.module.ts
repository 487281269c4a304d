import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { InspectionQueries } from './inspection.queries';
import { InspectionsController } from './inspections.controller';

@Module({ imports: [SubjectsModule], controllers: [InspectionsController], providers: [InspectionQueries] })
export class EnforcementModule {}
