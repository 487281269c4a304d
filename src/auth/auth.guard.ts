import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { Role } from '../shared/decider';
import { AuthedRequest, PUBLIC_KEY, ROLES_KEY } from './auth.decorators';
import { InvalidTokenError, verifyToken } from './jwt';

/** Deny by default: every route is @Public or names its roles with @Roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required (Authorization: Bearer <jwt>)');
    try {
      req.principal = verifyToken(match[1], { secret: this.config.jwtSecret, publicKey: this.config.jwtPublicKey });
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new UnauthorizedException(`invalid token: ${err.message}`);
      throw err;
    }
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets);
    if (!roles || !roles.includes(req.principal.role)) {
      throw new ForbiddenException(`role ${req.principal.role} may not call this route`);
    }
    return true;
  }
}
