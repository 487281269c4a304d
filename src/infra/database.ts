import { AppConfig } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the embedded Postgres under DATA_DIR: started here and stopped by stop(), or,
 * unless `owner` (the service), the one another process already runs, left running.
 */
export async function resolveDatabase(
  config: AppConfig,
  { owner = false, log = () => undefined }: { owner?: boolean; log?: (m: string) => void } = {},
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const db = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log, owner);
  return { url: db.url, embedded: true, stop: () => db.stop() };
}
