import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { PointInTime } from '../shared/aggregate-reader';
import { ValidationProblem } from './problem';

/** `asOf=<ISO instant>` or `version=<n>` on an aggregate's GET: its state as it stood then. */
export class PointInTimeQuery {
  @IsOptional() @IsDateString({ strict: true }) asOf?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) version?: number;
}

export function pointInTime(q: PointInTimeQuery): PointInTime | undefined {
  if (q.asOf !== undefined && q.version !== undefined) {
    throw new ValidationProblem([
      { field: 'version', rule: 'exclusiveWith', message: 'give asOf or version, not both' },
    ]);
  }
  if (q.asOf !== undefined) return { asOf: new Date(q.asOf) };
  if (q.version !== undefined) return { version: q.version };
  return undefined;
}
