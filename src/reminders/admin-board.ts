import { UnauthorizedException, ForbiddenException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { InvalidTokenError, verifyToken } from '../auth/jwt';
import type { AppConfig } from '../config/config';
import { sendProblem, toProblem } from '../http/problem.filter';

export const ADMIN_QUEUES_ROUTE = '/admin/queues';
const COOKIE = 'rectify_admin';

/**
 * bull-board is a browser UI outside the Nest routes: city admins only. The token comes as a bearer header, or
 * once as `?token=` (a browser cannot set headers), which is then kept in an HttpOnly cookie for the board's own
 * requests and taken out of the address bar.
 */
export function adminBoardAuth(config: AppConfig) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const query = typeof req.query?.token === 'string' ? req.query.token : undefined;
    const cookie = (req.headers.cookie ?? '')
      .split(/;\s*/)
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1);
    const token = header ?? query ?? cookie;
    try {
      if (!token)
        throw new UnauthorizedException(
          `a city-admin bearer token is required (Authorization header, or ?token= once in a browser)`,
        );
      let role: string;
      try {
        role = verifyToken(decodeURIComponent(token), {
          secret: config.jwtSecret,
          publicKey: config.jwtPublicKey,
        }).role;
      } catch (err) {
        if (err instanceof InvalidTokenError) throw new UnauthorizedException(`invalid token: ${err.message}`);
        throw err;
      }
      if (role !== 'city-admin') throw new ForbiddenException(`role ${role} may not open the queue board`);
    } catch (err) {
      sendProblem(res, toProblem(err, req.originalUrl));
      return;
    }
    if (query && !header) {
      res.setHeader(
        'Set-Cookie',
        `${COOKIE}=${encodeURIComponent(query)}; Path=${ADMIN_QUEUES_ROUTE}; HttpOnly; SameSite=Strict`,
      );
      res.redirect(303, req.baseUrl || ADMIN_QUEUES_ROUTE);
      return;
    }
    next();
  };
}
