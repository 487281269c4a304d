import { Module } from '@nestjs/common';
import { SubjectImportService } from './subject-import.service';
import { SubjectsController } from './subjects.controller';

@Module({ controllers: [SubjectsController], providers: [SubjectImportService] })
export class SubjectsModule {}
