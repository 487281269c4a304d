import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, InjectBullBoard } from '@bull-board/nestjs';
import type { BullBoardInstance } from '@bull-board/nestjs';
import { Module, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { ADMIN_QUEUES_ROUTE, adminBoardAuth } from './admin-board';
import { ReminderQueries } from './reminder.queries';
import { RemindersController } from './reminders.controller';
import { RemindersService } from './reminders.service';

@Module({
  imports: [
    BullBoardModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        route: ADMIN_QUEUES_ROUTE,
        adapter: ExpressAdapter,
        middleware: adminBoardAuth(config),
      }),
    }),
  ],
  controllers: [RemindersController],
  providers: [RemindersService, ReminderQueries],
  exports: [RemindersService],
})
export class RemindersModule implements OnModuleInit {
  constructor(
    private readonly reminders: RemindersService,
    @InjectBullBoard() private readonly board: BullBoardInstance,
  ) {}

  onModuleInit(): void {
    this.board.addQueue(new BullMQAdapter(this.reminders.queue));
  }
}
