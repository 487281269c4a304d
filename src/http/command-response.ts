import { CommandExecutor } from '../shared/command-executor';
import type { Response } from 'express';
import { Decider, DomainEvent } from '../shared/decider';
import { Alongside, CommandContext, CommandResult, ExecuteDecider } from '../shared/execute-decider.command';
import { etagOf, parseIfMatch } from './etag';

/**
 * Runs a command through the one command path and puts the stream's new version in the ETag. If-Match holds for every
 * command route: the route's own header parameter, else the request's (a command on a part of a resource, such as an
 * order of an inspection, is conditional on the resource's ETag).
 */
export async function executeWithEtag<C>(
  commands: CommandExecutor,
  decider: Decider<C, DomainEvent, unknown>,
  streamId: string,
  command: C,
  ctx: CommandContext,
  ifMatch: string | undefined,
  res: Response,
  alongside?: Alongside<any, any>,
): Promise<CommandResult> {
  const result = await commands.execute(
    new ExecuteDecider(
      decider as Decider<unknown, DomainEvent, unknown>,
      streamId,
      command,
      ctx,
      parseIfMatch(ifMatch ?? ctx.ifMatch),
      alongside,
    ),
  );
  res.setHeader('ETag', etagOf(result.version));
  return result;
}
