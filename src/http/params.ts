import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { PHASES, SUBJECT_TYPES } from '../domain';
import { UUID_RE } from '../shared/ids';
import { CODE, KEY } from '../shared/patterns';
import { ValidationProblem } from './problem';

function refuse(meta: ArgumentMetadata, rule: string, message: string): never {
  throw new ValidationProblem([{ field: meta.data ?? 'path', rule, message }]);
}

@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!UUID_RE.test(value)) refuse(meta, 'isUuid', `${meta.data} must be a UUID`);
    return value.toLowerCase();
  }
}

@Injectable()
export class PhaseParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!(PHASES as readonly string[]).includes(value))
      refuse(meta, 'isIn', `${meta.data} must be one of ${PHASES.join(', ')}`);
    return value;
  }
}

@Injectable()
export class KeyParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!KEY.test(value) || value.length > 64) {
      refuse(meta, 'matches', `${meta.data} must be kebab-case (a-z, 0-9, -), at most 64 characters`);
    }
    return value;
  }
}

@Injectable()
export class SubjectTypeParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!(SUBJECT_TYPES as readonly string[]).includes(value))
      refuse(meta, 'isIn', `${meta.data} must be one of ${SUBJECT_TYPES.join(', ')}`);
    return value;
  }
}

@Injectable()
export class DistrictParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!CODE.test(value))
      refuse(meta, 'matches', `${meta.data} must be a GB/T 2260 code or a product code (letters, digits, -)`);
    return value;
  }
}

@Injectable()
export class MonthParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) refuse(meta, 'matches', `${meta.data} must be a month YYYY-MM`);
    return value;
  }
}

@Injectable()
export class PositiveIntParam implements PipeTransform<string, number> {
  transform(value: string, meta: ArgumentMetadata): number {
    if (!/^[1-9]\d{0,8}$/.test(value)) refuse(meta, 'isPositiveInt', `${meta.data} must be a positive integer`);
    return Number(value);
  }
}

/** An obligation or reminder id: ASCII letters, digits, . _ - (they name streams and queue jobs). */
@Injectable()
export class DottedIdParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(value))
      refuse(meta, 'matches', `${meta.data} must be 1-200 ASCII letters, digits, . _ -`);
    return value;
  }
}

/** A stream id as the event store accepts it: `<aggregate>-<id>`, ASCII letters, digits, . _ @ -. */
export class StreamIdParam implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/.test(value))
      refuse(meta, 'matches', `${meta.data} must be a stream id (1-200 ASCII letters, digits, . _ @ -)`);
    return value;
  }
}

/** A rubric item number: 1 to 99. */
@Injectable()
export class ItemParam implements PipeTransform<string, number> {
  transform(value: string, meta: ArgumentMetadata): number {
    if (!/^[1-9]\d?$/.test(value)) refuse(meta, 'isInt', `${meta.data} must be a rubric item number from 1 to 99`);
    return Number(value);
  }
}
