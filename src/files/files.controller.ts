import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { parseIfMatch } from '../http/etag';
import { ValidationProblem } from '../http/problem';
import { PreconditionFailedError } from '../shared/execute-decider.command';
import { UuidParam } from '../http/params';
import type { Principal } from '../shared/decider';
import type { FileRef } from '../domain';
import { FilesService } from './files.service';
import { multipartFile } from './multipart';

/** What a file's name may be: 1 to 255 characters, no control characters, no slashes. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const FILE_NAME = /^[^\u0000-\u001f\u007f/\\]{1,255}$/u;
const FILE_NAME_RULE = 'name must be 1 to 255 characters with no control characters or slashes';

export class UploadQuery {
  /** the file's name as the uploader knows it (UTF-8, e.g. 承诺书（盖章）.pdf); a multipart upload may give it as the part's filename */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @Matches(FILE_NAME, { message: FILE_NAME_RULE })
  name?: string;
}

/** Who may upload evidence: everyone who submits or reviews something (auditors read only). */
const UPLOADERS = ['city-admin', 'district-officer', 'supervisor', 'subject-user', 'integration'] as const;

/** RFC 6266 / 8187: an ASCII fallback and the UTF-8 name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** One `bytes=a-b` range (or `a-`, or `-n`) within `size`; null: the whole file; 'unsatisfiable' past its end. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or none we read: the whole file (RFC 9110 allows ignoring)
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? 'unsatisfiable' : { start: size - n, end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Evidence files: upload their bytes, download them in the scope of what cites them. */
@Controller('api/v1/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Post()
  @HttpCode(201)
  @Roles(...UPLOADERS)
  async upload(
    @Query() q: UploadQuery,
    @Req() req: Request,
    @CurrentPrincipal() p: Principal,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<FileRef> {
    // no If-Match can hold on a file that does not exist yet (RFC 9110: * needs a current resource); a malformed one is a 400
    const precondition = parseIfMatch(ifMatch);
    if (precondition !== undefined) {
      res.setHeader('Connection', 'close');
      throw new PreconditionFailedError(
        'files',
        precondition,
        0,
        'If-Match cannot hold on an upload: its file does not exist yet',
      );
    }
    const length = req.headers['content-length'];
    const declared = length !== undefined && /^\d{1,16}$/.test(length) ? Number(length) : null;
    if (declared === null && req.headers['transfer-encoding'] === undefined) {
      throw new ValidationProblem([{ field: 'body', rule: 'required', message: "send the file's bytes as the body" }]);
    }
    try {
      // a browser's FormData (one part, `file`), or the bytes themselves as the body
      const form = /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')
        ? await multipartFile(req, this.files.maxBytes)
        : null;
      const name = q.name ?? form?.name;
      if (!name)
        throw new ValidationProblem([
          { field: 'name', rule: 'required', message: "give the file's name in ?name= (or as the part's filename)" },
        ]);
      if (!FILE_NAME.test(name))
        throw new ValidationProblem([{ field: 'name', rule: 'matches', message: FILE_NAME_RULE }]);
      const file = await this.files.upload(form?.bytes ?? req, name.normalize('NFC'), form ? null : declared, p);
      res.setHeader('Location', `/api/v1/files/${file.fileId}`);
      return file;
    } catch (err) {
      // what was not read of a refused upload is not waited for: the connection closes after the answer
      if (!req.complete) res.setHeader('Connection', 'close');
      throw err;
    }
  }

  @Get(':fileId')
  @Roles('city-admin', 'district-officer', 'supervisor', 'subject-user', 'auditor', 'integration')
  async download(
    @Param('fileId', UuidParam) fileId: string,
    @CurrentPrincipal() p: Principal,
    @Headers('range') range: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.files.forDownload(fileId, p);
    const etag = `"${file.sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', contentDisposition(file.name));
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
      res.status(304).end();
      return;
    }
    const r = parseRange(range, file.size);
    if (r === 'unsatisfiable') {
      res.status(416).setHeader('Content-Range', `bytes */${file.size}`);
      res.end();
      return;
    }
    const { start, end } = r ?? { start: 0, end: file.size - 1 };
    res.status(r ? 206 : 200);
    if (r) res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
    res.setHeader('Content-Type', file.mediaType);
    res.setHeader('Content-Length', String(file.size === 0 ? 0 : end - start + 1));
    if (file.size === 0) {
      res.end();
      return;
    }
    for await (const chunk of this.files.store.read(file.sha256, start, end)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }
}
