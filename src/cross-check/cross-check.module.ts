import { Module } from '@nestjs/common';
import { SubjectsModule } from '../subjects/subjects.module';
import { CrossCheckController } from './cross-check.controller';
import { RubricFacts } from './rubric-facts';
import { Scores } from './scores.service';

@Module({
  imports: [SubjectsModule],
  controllers: [CrossCheckController],
  providers: [RubricFacts, Scores],
  exports: [Scores],
})
export class CrossCheckModule {}
