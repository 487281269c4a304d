import { Module } from '@nestjs/common';
import { SubjectReader } from '../subjects/subject.reader';
import { InspectionsController } from './inspections.controller';

@Module({ controllers: [InspectionsController], providers: [SubjectReader] })
export class EnforcementModule {}
