import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Principal, Role } from '../shared/decider';
import { CommandContext } from '../shared/execute-decider.command';
import { consistencyOf } from '../http/consistency';

export const PUBLIC_KEY = 'rectify:public';
export const ROLES_KEY = 'rectify:roles';

/** No token needed (health, metrics). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The roles that may call a route. A route without @Roles (and not @Public) is refused to everyone. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const READ_ROLES: Role[] = [
  'city-admin',
  'district-officer',
  'supervisor',
  'subject-user',
  'auditor',
  'integration',
];

export interface AuthedRequest {
  principal?: Principal;
  id?: string;
  headers: Record<string, string | string[] | undefined>;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<AuthedRequest>().principal!;
});

/** The principal and correlation id every command carries into its events' metadata. */
export const CommandCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandContext => {
  const req = ctx.switchToHttp().getRequest<AuthedRequest>();
  const ifMatch = req.headers['if-match'];
  return {
    principal: req.principal!,
    correlationId: String(req.id),
    consistency: consistencyOf(req),
    ifMatch: Array.isArray(ifMatch) ? ifMatch.join(',') : ifMatch,
  };
});
