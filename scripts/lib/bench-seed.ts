import { randomUUID } from 'node:crypto';
import { chongqing2022 } from '../../src/seed/chongqing-2022';
import { usccCheckCharacter } from '../../src/subjects/uscc';

let serial = 1;

/** A new, valid USCC for each call (a registered Chongqing 500103 unit), and its serial number. */
export function nextUscc(): { uscc: string; serial: number } {
  const n = serial++;
  const first17 = `91500103${String(n).padStart(9, '0')}`;
  return { uscc: first17 + usccCheckCharacter(first17), serial: n };
}

/** Launches the Chongqing 2022 seed campaign under a fresh id through the API; its id. */
export async function launchCampaign(base: string, headers: Record<string, string>): Promise<string> {
  const { type: _t, campaignId: _c, ...launch } = chongqing2022;
  const launched = await fetch(`${base}/api/v1/campaigns`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...launch, id: randomUUID() }),
  });
  if (launched.status !== 201) throw new Error(`launch: ${launched.status} ${await launched.text()}`);
  return ((await launched.json()) as { id: string }).id;
}
