import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { InjectBullBoard } from '@bull-board/nestjs';
import type { BullBoardInstance } from '@bull-board/nestjs';
import { Module, OnModuleInit } from '@nestjs/common';
import { RemindersModule } from '../reminders/reminders.module';
import { WebhooksController } from './webhooks.controller';
import { WebhookQueries } from './webhook.queries';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [RemindersModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookQueries],
  exports: [WebhooksService],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly webhooks: WebhooksService,
    @InjectBullBoard() private readonly board: BullBoardInstance,
  ) {}

  onModuleInit(): void {
    this.board.addQueue(new BullMQAdapter(this.webhooks.queue));
  }
}

// what other slices inject from this one
export * from './delivery-store';
