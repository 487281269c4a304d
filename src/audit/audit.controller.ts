import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { FilesService } from '../files/files.module';
import type { Request, Response } from 'express';
import { once } from 'node:events';
import { Roles } from '../auth/auth.decorators';
import { EventStore, ReadAllOptions } from '../event-store/event-store';
import { eventToJson } from '../http/event-json';
import { StreamIdParam } from '../http/params';
import { notFound } from '../shared/decider';
import { EventsQuery, StreamEventsQuery, VerifyQuery } from './audit.dto';
import { verifyChains } from './chain-verification';

/** Who may read the whole log: it spans every district. */
const LOG_READERS = ['city-admin', 'auditor', 'integration'] as const;
export const NDJSON = 'application/x-ndjson';

@Controller('api/v1')
export class AuditController {
  constructor(
    private readonly store: EventStore,
    private readonly files: FilesService,
  ) {}

  /**
   * The global log in commit-safe order (an event that commits late is never skipped by the cursor). JSON pages
   * by default; with `Accept: application/x-ndjson` the whole selection, one event per line, streamed page by
   * page with back-pressure (memory stays flat however long the log).
   */
  @Get('events')
  @Roles(...LOG_READERS)
  async events(
    @Query() q: EventsQuery,
    @Headers('accept') accept: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const filter: ReadAllOptions = {
      types: q.type?.split(','),
      streamId: q.stream,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    };
    if (!accept?.includes(NDJSON)) {
      const limit = Math.min(q.limit ?? 100, 1000);
      const page = await this.store.readAll({ ...filter, after: q.after ?? 0, limit });
      res.json({
        items: page.events.map(eventToJson),
        next: page.events.length === limit ? page.next : null,
        last: page.next,
      });
      return;
    }
    res.status(200).setHeader('Content-Type', `${NDJSON}; charset=utf-8`);
    res.setHeader('Cache-Control', 'no-store');
    let gone = false;
    req.on('close', () => (gone = true));
    let after = q.after ?? 0;
    let left = q.limit ?? Number.MAX_SAFE_INTEGER;
    // the selection as it stands now: what commits while the export runs is left for the next `after`
    const { safe } = await this.store.positions();
    while (!gone && left > 0) {
      const want = Math.min(5000, left);
      const page = await this.store.readAll({ ...filter, after, limit: want });
      const events = page.events.filter((e) => e.globalPosition <= safe);
      if (events.length) {
        const chunk = events.map((e) => JSON.stringify(eventToJson(e))).join('\n') + '\n';
        if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
      left -= events.length;
      after = page.next;
      if (page.events.length < want || events.length < page.events.length) break;
    }
    res.end();
  }

  /** One aggregate's history, in version order. */
  @Get('streams/:streamId/events')
  @Roles(...LOG_READERS)
  async stream(
    @Param('streamId', StreamIdParam) streamId: string,
    @Query() q: StreamEventsQuery,
    @Res() res: Response,
  ) {
    const from = q.fromVersion ?? 1;
    const limit = q.limit ?? 100;
    const events = await this.store.readStream(streamId, { fromVersion: from, toVersion: from + limit - 1 });
    if (!events.length && from === 1) throw notFound(`stream ${streamId} has no events`);
    res.json({
      streamId,
      items: events.map(eventToJson),
      nextFromVersion: events.length === limit ? events[events.length - 1].streamVersion + 1 : null,
    });
  }

  /** Checks the hash chains of one stream or of the whole log and names the first broken link. */
  @Get('audit/verify')
  @Roles(...LOG_READERS)
  async verify(@Query() q: VerifyQuery, @Res() res: Response) {
    if (q.stream) {
      if (!(await this.store.readStream(q.stream, { toVersion: 1 })).length)
        throw notFound(`stream ${q.stream} has no events`);
    }
    const report = await verifyChains(this.store, { streamId: q.stream });
    // the whole log: every stored file re-hashed too (the events record what its bytes hashed to)
    const files = q.stream ? null : await this.files.verify();
    res.json({ scope: q.stream ?? 'all', ...report, ok: report.ok && !files?.mismatched.length, files });
  }
}
