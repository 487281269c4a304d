/** RFC 9457 problem details. */
export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemType = (slug: string) => `urn:rectify:problem:${slug}`;

/** Thrown for request input that fails validation: a 400 that names each field and rule. */
export class ValidationProblem extends Error {
  constructor(
    readonly errors: FieldError[],
    readonly status = 400,
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}
