import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { NextFunction, Request, Response } from 'express';
import { problemType, ValidationProblem } from './problem';
import { sendProblem } from './problem.filter';

/** How deep a JSON body may nest: the deepest body of the API nests 5; validation walks bodies recursively. */
export const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value, walked without recursion (a hostile body must not overflow this walk either). */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Express middleware after the JSON parser: a body nested deeper than MAX_JSON_DEPTH is a 400 naming the rule. */
export function jsonDepthLimit(req: Request, res: Response, next: NextFunction): void {
  if (req.body && typeof req.body === 'object' && jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    return sendProblem(res, {
      type: problemType('validation'),
      title: 'Bad Request',
      status: 400,
      detail: `the body nests deeper than ${MAX_JSON_DEPTH} levels`,
      instance: req.originalUrl,
      errors: [{ field: 'body', rule: 'maxDepth', message: `must nest at most ${MAX_JSON_DEPTH} levels` }],
    });
  }
  next();
}

/** Whether a route handler reads a body (a @Body() parameter, or the raw request for bodies of its own). */
function takesBody(handler: object, controller: object): boolean {
  const args: Record<string, { index: number }> =
    Reflect.getMetadata(ROUTE_ARGS_METADATA, controller.constructor, (handler as { name: string }).name) ?? {};
  return Object.keys(args).some((key) => {
    const type = Number(key.split(':')[0]);
    return type === RouteParamtypes.BODY || type === RouteParamtypes.REQUEST;
  });
}

/**
 * A route that takes no body refuses one (400): anything but nothing or `{}`. Otherwise `{"zzUnknown":1}` sent to
 * `…/phases/self-correction/open` would be accepted and ignored, unlike an unknown field anywhere else.
 */
@Injectable()
export class NoBodyGuard implements CanActivate {
  private readonly cache = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const handler = context.getHandler();
    let takes = this.cache.get(handler);
    if (takes === undefined) {
      takes = takesBody(handler, { constructor: context.getClass() });
      this.cache.set(handler, takes);
    }
    if (!takes) {
      const body = context.switchToHttp().getRequest<Request>().body;
      const empty =
        body === undefined ||
        (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
      if (!empty) {
        const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
        throw new ValidationProblem(
          fields.length
            ? fields.map((f) => ({
                field: f,
                rule: 'unknown-field',
                message: `${f} is not a known field: this route takes no body`,
              }))
            : [{ field: 'body', rule: 'noBody', message: 'this route takes no body' }],
        );
      }
    }
    return true;
  }
}
