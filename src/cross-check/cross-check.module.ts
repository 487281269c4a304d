import { CrossCheckQueries } from './cross-check.queries';
import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { CrossCheckController } from './cross-check.controller';
import { RubricFacts } from './rubric-facts';
import { Scores } from './scores.service';

@Module({
  imports: [SubjectsModule],
  controllers: [CrossCheckController],
  providers: [RubricFacts, Scores, CrossCheckQueries],
  exports: [Scores],
})
export class CrossCheckModule {}

// what other slices inject from this one
export * from './scores.service';
