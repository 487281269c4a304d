import { Module } from '@nestjs/common';
import { SubjectImportService } from './subject-import.service';
import { SubjectQueries } from './subject.queries';
import { SubjectReader } from './subject.reader';
import { SubjectsController } from './subjects.controller';

@Module({
  controllers: [SubjectsController],
  providers: [SubjectImportService, SubjectReader, SubjectQueries],
  exports: [SubjectReader],
})
export class SubjectsModule {}

// what other slices inject from this one
export * from './subject.reader';
