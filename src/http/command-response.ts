import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { Decider, DomainEvent } from '../shared/decider';
import { CommandContext, CommandResult, ExecuteDecider } from '../shared/execute-decider.command';
import { etagOf, parseIfMatch } from './etag';

/** Runs a command through the one command path and puts the stream's new version in the ETag. */
export async function executeWithEtag<C>(
  commands: CommandBus,
  decider: Decider<C, DomainEvent, unknown>,
  streamId: string,
  command: C,
  ctx: CommandContext,
  ifMatch: string | undefined,
  res: Response,
): Promise<CommandResult> {
  const result = await commands.execute(new ExecuteDecider(decider as Decider<unknown, DomainEvent, unknown>, streamId, command, ctx, parseIfMatch(ifMatch, streamId)));
  res.setHeader('ETag', etagOf(result.version));
  return result;
}
