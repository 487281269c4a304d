import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Pool } from 'pg';
import { AccessPolicy } from '../auth/access-policy';
import { CampaignState } from '../campaigns';
import { EventStore, StreamAppend, WrongExpectedVersionError } from '../event-store/event-store';
import { RowError, RowsRejected, ValidationProblem } from '../http/problem';
import { flattenValidationErrors } from '../http/validation';
import { PG_POOL } from '../infra/tokens';
import { canonicalJson, NonCanonicalValueError } from '../shared/canonical-json';
import { DomainError } from '../shared/decider';
import { CommandContext, PreconditionFailedError } from '../shared/execute-decider.command';
import { parseIfMatch } from '../http/etag';
import { CsvError, parseCsv } from './csv';
import { SubjectFieldsDto } from './subject.dto';
import { campaignScopeOf, subjectDecider, subjectIdFor, subjectStream } from './subject.decider';

/** Rows validated between two yields to the event loop. */
const IMPORT_SLICE = 10;

export const MAX_IMPORT_ROWS = 10_000;

/** CSV columns; principal and contact are flattened. */
export const CSV_COLUMNS = [
  'type',
  'name',
  'uscc',
  'districtCode',
  'industry',
  'principalName',
  'principalPhone',
  'contactName',
  'contactPhone',
  'contactAddress',
] as const;
const REQUIRED_COLUMNS = ['type', 'name', 'uscc', 'districtCode', 'industry', 'principalName'];

export interface ImportResult {
  imported: number;
  dryRun: boolean;
  subjects: { row: number; id: string; uscc: string }[];
}

/** CSV rows to the JSON shape; an empty cell is an absent field. */
function csvToRows(text: string): unknown[] {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new ValidationProblem([{ field: 'body', rule: 'csv', message: err.message }]);
    throw err;
  }
  if (records.length === 0)
    throw new ValidationProblem([{ field: 'body', rule: 'csv', message: 'the CSV has no header row' }]);
  const header = records[0].map((h) => h.trim());
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  const missing = REQUIRED_COLUMNS.filter((h) => !header.includes(h));
  if (unknown.length || missing.length) {
    throw new ValidationProblem([
      ...unknown.map((h) => ({
        field: `header.${h}`,
        rule: 'unknown-field',
        message: `column ${h} is not known; columns are ${CSV_COLUMNS.join(', ')}`,
      })),
      ...missing.map((h) => ({ field: `header.${h}`, rule: 'required', message: `column ${h} is required` })),
    ]);
  }
  return records.slice(1).map((cells) => {
    const v = (col: string) => {
      const i = header.indexOf(col);
      const cell = i < 0 ? undefined : cells[i]?.trim();
      return cell === '' ? undefined : cell;
    };
    const contact = { name: v('contactName'), phone: v('contactPhone'), address: v('contactAddress') };
    return {
      type: v('type'),
      name: v('name'),
      uscc: v('uscc'),
      districtCode: v('districtCode'),
      industry: v('industry'),
      principal: { name: v('principalName'), ...(v('principalPhone') ? { phone: v('principalPhone') } : {}) },
      ...(Object.values(contact).some((x) => x !== undefined)
        ? { contact: Object.fromEntries(Object.entries(contact).filter(([, x]) => x !== undefined)) }
        : {}),
    };
  });
}

/**
 * Bulk registration, all or nothing: every row is validated and decided first; one bad row rejects the file with
 * a report of every bad row. The good file is one atomic append over all the new subjects' streams.
 */
@Injectable()
export class SubjectImportService {
  constructor(
    private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  parse(body: unknown, contentType: string | undefined): unknown[] {
    if (typeof body === 'string' || /^text\/csv/i.test(contentType ?? ''))
      return csvToRows(typeof body === 'string' ? body : '');
    if (!Array.isArray(body)) {
      throw new ValidationProblem([
        { field: 'body', rule: 'isArray', message: 'the body must be a JSON array of subjects, or text/csv' },
      ]);
    }
    return body;
  }

  async run(
    campaign: CampaignState,
    rows: unknown[],
    ctx: CommandContext,
    now: Date,
    dryRun: boolean,
  ): Promise<ImportResult> {
    if (rows.length === 0)
      throw new ValidationProblem([{ field: 'body', rule: 'arrayMinSize', message: 'there are no rows to import' }]);
    if (rows.length > MAX_IMPORT_ROWS) {
      throw new ValidationProblem(
        [
          {
            field: 'body',
            rule: 'arrayMaxSize',
            message: `at most ${MAX_IMPORT_ROWS} rows per import; this has ${rows.length}`,
          },
        ],
        413,
      );
    }
    // the rows name subjects not registered yet: no If-Match can hold on them (RFC 9110: * needs a current resource)
    const ifMatch = parseIfMatch(ctx.ifMatch);
    if (ifMatch !== undefined)
      throw new PreconditionFailedError(
        'subjects',
        ifMatch,
        0,
        'If-Match cannot hold on an import: its subjects do not exist yet',
      );
    const scope = campaignScopeOf(campaign);
    const errors: RowError[] = [];
    const appends: StreamAppend[] = [];
    const accepted: ImportResult['subjects'] = [];
    const seen = new Map<string, number>();
    const metadata = {
      actor: { id: ctx.principal.sub, role: ctx.principal.role },
      correlationId: ctx.correlationId,
      causationId: null,
    };

    for (let i = 0; i < rows.length; i++) {
      // 10,000 rows take the event loop for about a second: let other requests through every few milliseconds
      if (i % IMPORT_SLICE === IMPORT_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      const raw = rows[i];
      const row = i + 1;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        errors.push({ row, field: 'row', rule: 'isObject', message: 'each row must be an object' });
        continue;
      }
      const dto = plainToInstance(SubjectFieldsDto, raw);
      const invalidFields = validateSync(dto, {
        whitelist: true,
        forbidNonWhitelisted: true,
        forbidUnknownValues: true,
      });
      if (invalidFields.length) {
        for (const f of flattenValidationErrors(invalidFields)) errors.push({ row, ...f });
        continue;
      }
      if (!AccessPolicy.canActOnDistrict(ctx.principal, dto.districtCode)) {
        errors.push({
          row,
          field: 'districtCode',
          rule: 'outside-your-districts',
          message: `district ${dto.districtCode} is outside your districts`,
        });
        continue;
      }
      const earlier = seen.get(dto.uscc);
      if (earlier !== undefined) {
        errors.push({
          row,
          field: 'uscc',
          rule: 'duplicate-in-file',
          message: `USCC ${dto.uscc} is also on row ${earlier}`,
        });
        continue;
      }
      seen.set(dto.uscc, row);
      const subjectId = subjectIdFor(campaign.id, dto.uscc);
      try {
        const events = subjectDecider.decide(
          { kind: 'RegisterSubject', subjectId, campaign: scope, ...dto, contact: dto.contact ?? {} },
          subjectDecider.initialState,
          { now, principal: ctx.principal },
        );
        // what the log will refuse, refused here for the row (a dry run must find it too)
        for (const e of events) canonicalJson(e.data);
        appends.push({
          streamId: subjectStream(subjectId),
          expectedVersion: 'no-stream',
          events: events.map((e) => ({
            type: e.type,
            data: e.data as object,
            metadata: { ...metadata, districts: [dto.districtCode] },
          })),
        });
        accepted.push({ row, id: subjectId, uscc: dto.uscc });
      } catch (err) {
        if (err instanceof NonCanonicalValueError) {
          errors.push({ row, field: err.path || 'row', rule: 'storable', message: `${err.path} ${err.rule}` });
          continue;
        }
        if (!(err instanceof DomainError)) throw err;
        errors.push({ row, field: err.field ?? 'row', rule: err.rule ?? err.kind, message: err.message });
      }
    }

    // Codes already registered in the campaign: a conflict in the report, never a second subject.
    if (accepted.length) {
      const { rows: existing } = await this.pool.query<{ uscc: string }>(
        'SELECT uscc FROM rm_subjects WHERE campaign_id = $1 AND uscc = ANY($2::text[])',
        [campaign.id, accepted.map((a) => a.uscc)],
      );
      const registered = new Set(existing.map((r) => r.uscc));
      for (const a of accepted) if (registered.has(a.uscc)) errors.push(alreadyRegistered(a.row, a.uscc));
    }
    if (errors.length)
      throw new RowsRejected(
        errors.sort((a, b) => a.row - b.row),
        rows.length,
      );
    if (dryRun) return { imported: 0, dryRun, subjects: accepted };

    try {
      const results = await this.store.appendToStreams(appends);
      ctx.consistency?.note(Math.max(...results.map((r) => r.lastPosition)));
    } catch (err) {
      // registered meanwhile (the read model had not caught up): report which rows
      if (err instanceof WrongExpectedVersionError) {
        const a = accepted.find((x) => subjectStream(x.id) === err.streamId)!;
        throw new RowsRejected([alreadyRegistered(a.row, a.uscc)], rows.length);
      }
      throw err;
    }
    return { imported: accepted.length, dryRun, subjects: accepted };
  }
}

function alreadyRegistered(row: number, uscc: string): RowError {
  return {
    row,
    field: 'uscc',
    rule: 'already-registered',
    message: `a subject with USCC ${uscc} is already registered in this campaign`,
  };
}
