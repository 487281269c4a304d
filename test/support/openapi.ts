import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const SPEC_PATH = join(__dirname, '..', '..', 'openapi.yaml');
export const spec = parse(readFileSync(SPEC_PATH, 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi.json');

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export interface ResponseLike {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text?: string;
}

/**
 * Checks a response against openapi.yaml: the status is documented for the operation, the content type is one it
 * lists, and the body validates against that schema. Returns the problems (empty when it conforms).
 */
export function specProblems(method: string, template: string, res: ResponseLike): string[] {
  const op = spec.paths?.[template]?.[method.toLowerCase()];
  if (!op) return [`${method} ${template} is not in openapi.yaml`];
  let pointer = `#/paths/${escape(template)}/${method.toLowerCase()}/responses/${res.status}`;
  let response = op.responses?.[String(res.status)];
  if (!response) return [`${method} ${template} does not document status ${res.status}`];
  if (response.$ref) {
    pointer = response.$ref;
    response = pointer
      .slice(2)
      .split('/')
      .reduce(
        (o: Record<string, unknown>, k: string) =>
          o[k.replace(/~1/g, '/').replace(/~0/g, '~')] as Record<string, unknown>,
        spec,
      );
  }
  const contentType = (res.headers['content-type'] ?? '').split(';')[0].trim();
  if (!response.content) {
    const empty = res.text === undefined || res.text === '';
    return empty ? [] : [`${method} ${template} ${res.status} documents no body, got ${contentType}`];
  }
  if (!response.content[contentType]) {
    return [
      `${method} ${template} ${res.status}: content type ${contentType} not in ${Object.keys(response.content).join(', ')}`,
    ];
  }
  // a file's bytes: the content type is what there is to check
  if (response.content[contentType].schema?.format === 'binary') return [];
  const schemaRef = `openapi.json${pointer}/content/${escape(contentType)}/schema`;
  const validate = ajv.getSchema(schemaRef);
  if (!validate) return [`no schema at ${schemaRef}`];
  const body = contentType.startsWith('text/') ? res.text : res.body;
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${method} ${template} ${res.status}: ${e.instancePath} ${e.message}`);
}

/** jest helper: fails with the problems when a response does not conform. */
export function expectConforms(method: string, template: string, res: ResponseLike): void {
  const problems = specProblems(method, template, res);
  if (problems.length) throw new Error(problems.join('\n'));
}

/** What is wrong with a webhook body against the `webhooks` entry of its event type (empty when it conforms). */
export function webhookProblems(type: string, body: unknown): string[] {
  const ref = `openapi.json#/webhooks/${escape(type)}/post/requestBody/content/application~1json/schema`;
  const validate = ajv.getSchema(ref);
  if (!validate) return [`openapi.yaml documents no webhook ${type}`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `webhook ${type}: ${e.instancePath} ${e.message}`);
}
