import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'pg';
import { FileStore } from './file-store';

/** The SHA-256 of every file the log cites (from the file-references read model), in order. */
async function citedHashes(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query('SELECT DISTINCT sha256 FROM rm_file_references ORDER BY sha256');
  return rows.map((r) => r.sha256);
}

export interface ExportedFiles {
  written: number;
  bytes: number;
  /** cited files whose stored bytes no longer hash to what the events recorded (not written) */
  changed: string[];
  /** cited files the store no longer has */
  missing: string[];
}

/**
 * The companion of the NDJSON export: every file the log cites, written to `dir` under its SHA-256 (what the events
 * recorded), each checked as it is written; a file whose stored bytes changed is named, not written.
 */
export async function exportCitedFiles(pool: Pool, store: FileStore, dir: string): Promise<ExportedFiles> {
  await mkdir(dir, { recursive: true });
  const out: ExportedFiles = { written: 0, bytes: 0, changed: [], missing: [] };
  for (const sha256 of await citedHashes(pool)) {
    if (!(await store.stat(sha256))) {
      out.missing.push(sha256);
      continue;
    }
    const part = join(dir, `${sha256}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const file = createWriteStream(part);
    for await (const chunk of store.read(sha256)) {
      hash.update(chunk);
      size += chunk.length;
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const found = hash.digest('hex');
    if (found !== sha256) {
      out.changed.push(sha256);
      await rm(part, { force: true });
    } else {
      await rename(part, join(dir, sha256));
      out.written++;
      out.bytes += size;
    }
  }
  return out;
}

/** What `npm run replay -- … --files DIR` found: cited files absent from DIR, or whose bytes there do not match. */
export interface CheckedFiles {
  checked: number;
  missing: string[];
  changed: string[];
}

/** Checks the files a (replayed) log cites against a directory written by `exportCitedFiles`. */
export async function checkCitedFiles(pool: Pool, dir: string): Promise<CheckedFiles> {
  const out: CheckedFiles = { checked: 0, missing: [], changed: [] };
  for (const sha256 of await citedHashes(pool)) {
    out.checked++;
    const path = join(dir, sha256);
    if (!(await stat(path).catch(() => null))?.isFile()) {
      out.missing.push(sha256);
      continue;
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk);
    if (hash.digest('hex') !== sha256) out.changed.push(sha256);
  }
  return out;
}
