import { createHash, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { SecretRef } from './subscription.decider';

/** 32 random bytes, as Standard Webhooks writes them: `whsec_` + base64. */
export function newSecret(): { secret: string; ref: SecretRef } {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  return { secret, ref: { secretId: `sec_${randomBytes(6).toString('hex')}`, fingerprint: fingerprint(secret) } };
}

export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/** The signing secrets of subscriptions. Credentials, not facts: kept beside the log, never in it. */
export class WebhookSecrets {
  constructor(private readonly pool: Pool) {}

  async store(subscriptionId: string, secretId: string, secret: string): Promise<void> {
    await this.pool.query('INSERT INTO webhook_secrets (subscription_id, secret_id, secret) VALUES ($1, $2, $3)', [
      subscriptionId,
      secretId,
      secret,
    ]);
  }

  /**
   * After a rotation to `currentId`: the secret it replaced keeps signing until `until`; any older one stops now
   * (at most two secrets sign at once).
   */
  async rotated(subscriptionId: string, currentId: string, previousId: string, until: Date, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_secrets SET expires_at = CASE WHEN secret_id = $3 THEN $4::timestamptz ELSE least(coalesce(expires_at, $5::timestamptz), $5::timestamptz) END
        WHERE subscription_id = $1 AND secret_id <> $2`,
      [subscriptionId, currentId, previousId, until, now],
    );
  }

  async forget(subscriptionId: string, secretId?: string): Promise<void> {
    await this.pool.query(
      'DELETE FROM webhook_secrets WHERE subscription_id = $1 AND ($2::text IS NULL OR secret_id = $2)',
      [subscriptionId, secretId ?? null],
    );
  }

  /** The secrets that sign now: the current one first, then any rotated out whose grace has not ended. */
  async signing(subscriptionId: string, currentId: string, now: Date): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT secret FROM webhook_secrets WHERE subscription_id = $1 AND (secret_id = $2 OR expires_at > $3)
        ORDER BY (secret_id = $2) DESC, created_at DESC`,
      [subscriptionId, currentId, now],
    );
    return rows.map((r) => r.secret as string);
  }
}
