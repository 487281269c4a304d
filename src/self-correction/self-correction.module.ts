import { Module } from '@nestjs/common';
import { SubjectReader } from '../subjects/subject.reader';
import { SelfInspectionsController } from './self-inspections.controller';

@Module({ controllers: [SelfInspectionsController], providers: [SubjectReader] })
export class SelfCorrectionModule {}
