import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { InspectionsController } from './inspections.controller';

@Module({ imports: [SubjectsModule], controllers: [InspectionsController] })
export class EnforcementModule {}
