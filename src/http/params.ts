import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { PHASES, SUBJECT_TYPES } from '../campaigns/campaign.decider';
import { UUID_RE } from '../shared/ids';
import { KEY } from '../shared/patterns';
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
    if (!(PHASES as readonly string[]).includes(value)) refuse(meta, 'isIn', `${meta.data} must be one of ${PHASES.join(', ')}`);
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
    if (!(SUBJECT_TYPES as readonly string[]).includes(value)) refuse(meta, 'isIn', `${meta.data} must be one of ${SUBJECT_TYPES.join(', ')}`);
    return value;
  }
}
