import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { SelfInspectionsController } from './self-inspections.controller';

@Module({ imports: [SubjectsModule], controllers: [SelfInspectionsController] })
export class SelfCorrectionModule {}
