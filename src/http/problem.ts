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

export interface RowError extends FieldError {
  /** 1-based data row (the CSV header is not counted) */
  row: number;
}

/** A bulk input with bad rows: a 422 that reports every bad row; nothing is written. */
export class RowsRejected extends Error {
  constructor(
    readonly errors: RowError[],
    readonly rows: number,
  ) {
    super(`${new Set(errors.map((e) => e.row)).size} of ${rows} rows cannot be imported; nothing was written`);
  }
}
