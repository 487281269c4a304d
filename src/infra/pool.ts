import { Pool, types } from 'pg';

// A SQL date is a calendar day (Asia/Shanghai in this product): keep it 'YYYY-MM-DD', never a local-time Date.
types.setTypeParser(types.builtins.DATE, (v: string) => v);

/**
 * A pg pool whose connections never crash the process: a connection that dies (Postgres restarted, a backend
 * terminated) reports through the query that was using it, and an idle or checked-out client's late 'error'
 * event is absorbed here.
 */
export function createPool(connectionString: string, max: number): Pool {
  const pool = new Pool({ connectionString, max });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
