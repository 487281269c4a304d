import { IEvent } from '@nestjs/cqrs';
import { RecordedEvent } from '../event-store/event-store';

/** Published on the in-process EventBus after an append commits. */
export class StoredEventPublished implements IEvent {
  constructor(readonly event: RecordedEvent) {}
}
