/**
 * Canonical JSON: object keys sorted by code unit, no white space, `undefined` members dropped (as
 * JSON.stringify does). The event hash chain is computed over this text, so writer and verifier must agree.
 */
export class NonCanonicalValueError extends Error {
  constructor(
    readonly path: string,
    readonly rule: string,
  ) {
    super(`${path || 'value'}: ${rule}`);
  }
}

export function canonicalJson(value: unknown): string {
  return write(value, '');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      if (value.includes('\u0000')) throw new NonCanonicalValueError(path, 'must not contain the NUL character');
      // jsonb refuses lone surrogates: refused here, where the caller learns which field, not by the database
      if (!(value as string & { isWellFormed(): boolean }).isWellFormed())
        throw new NonCanonicalValueError(path, 'must be well-formed Unicode (no lone surrogate)');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NonCanonicalValueError(path, 'must be a finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) {
        return '[' + value.map((v, i) => (v === undefined ? 'null' : write(v, `${path}[${i}]`))).join(',') + ']';
      }
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const v = obj[key];
        if (v === undefined || typeof v === 'function') continue;
        parts.push(JSON.stringify(key) + ':' + write(v, path ? `${path}.${key}` : key));
      }
      return '{' + parts.join(',') + '}';
    }
    default:
      throw new NonCanonicalValueError(path, `a ${typeof value} cannot be stored`);
  }
}
