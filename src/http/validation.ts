import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationProblem } from './problem';

/** Rules on a value's type: when one fails, the rules on its content (length, range, pattern) say nothing more. */
const TYPE_RULES = new Set([
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isDateString',
  'whitelistValidation',
]);

/**
 * The failures worth reporting for one field: its type rule alone when that failed (`title: 1` is "must be a
 * string", not also "must be shorter than 300 characters"), else every rule that failed. class-validator lists a
 * field's constraints last-declared first; they are reported in declaration order.
 */
function ruleThatFailed(constraints: Record<string, string>): [string, string][] {
  const declared = Object.entries(constraints).reverse();
  const type = declared.find(([rule]) => TYPE_RULES.has(rule));
  return type ? [type] : declared;
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent
      ? /^\d+$/.test(e.property)
        ? `${parent}[${e.property}]`
        : `${parent}.${e.property}`
      : e.property;
    for (const [rule, message] of ruleThatFailed(e.constraints ?? {})) {
      const unknown = rule === 'whitelistValidation';
      out.push({
        field,
        rule: unknown ? 'unknown-field' : rule,
        message: unknown ? `${field} is not a known field` : message,
      });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** class-validator with unknown fields refused; every failure is a 400 naming field and rule. */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      // no body at all is an empty object: a DTO whose fields are all optional accepts it, others name what is missing
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ValidationProblem([{ field: 'body', rule: 'isObject', message: 'the body must be a JSON object' }]);
      }
    }
    return super.transform(value, metadata);
  }
}
