import { Module } from '@nestjs/common';
import { SubjectImportService } from './subject-import.service';
import { SubjectReader } from './subject.reader';
import { SubjectsController } from './subjects.controller';

@Module({
  controllers: [SubjectsController],
  providers: [SubjectImportService, SubjectReader],
  exports: [SubjectReader],
})
export class SubjectsModule {}
