import { Module } from '@nestjs/common';
import { ChecklistsController } from './checklists.controller';

@Module({ controllers: [ChecklistsController] })
export class ChecklistsModule {}

// what other slices validate their requests with
export * from './checklist.dto';
