import { randomUUID } from 'node:crypto';
import { LaunchCampaign } from '../../src/campaigns/campaign.decider';
import { usccCheckCharacter } from '../../src/subjects/uscc';

/** A valid 统一社会信用代码: 91 + a 6-digit area code + a 9-digit serial + its check character. */
export function uscc(serial: number, area = '500103'): string {
  const first17 = `91${/^\d{6}$/.test(area) ? area : '500000'}${String(serial).padStart(9, '0')}`;
  return first17 + usccCheckCharacter(first17);
}

/** The seed campaign as a launch body under a fresh id. */
export function launchBody(seed: LaunchCampaign, over: Record<string, unknown> = {}) {
  const { type: _t, campaignId: _c, ...rest } = seed;
  return { ...rest, id: randomUUID(), ...over };
}
