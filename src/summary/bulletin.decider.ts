import { requirePhaseStarted } from '../domain';
import type { PhaseStatus } from '../domain';
import { Decider, DecideContext, DomainEvent, invalid } from '../shared/decider';

/**
 * 通报: the city's bulletin on the campaign, one stream per campaign. Each publication is an issue (第N期) that
 * freezes the districts' figures, the ranking by score and the typical cases as they stood.
 */

export interface PublishBulletin {
  kind: 'PublishBulletin';
  phase: PhaseStatus;
  campaignId: string;
  title: string;
  /** the tables as computed now by the caller */
  content: object;
}
export type BulletinCommand = PublishBulletin;

export type BulletinPublished = DomainEvent<
  'bulletin.published',
  { campaignId: string; issueNo: number; title: string; publishedAt: string; content: object }
>;
export type BulletinEvent = BulletinPublished;
export const BULLETIN_EVENT_TYPES: BulletinEvent['type'][] = ['bulletin.published'];

export interface BulletinState {
  exists: boolean;
  campaignId: string;
  issues: { issueNo: number; title: string; publishedAt: string; content: object }[];
}
export const initialBulletinState: BulletinState = { exists: false, campaignId: '', issues: [] };

export const bulletinStream = (campaignId: string) => `bulletin-${campaignId}`;

function decide(c: BulletinCommand, s: BulletinState, ctx: DecideContext): BulletinEvent[] {
  requirePhaseStarted('summary', c.phase);
  if (!c.title.trim()) throw invalid('title', 'must not be blank');
  return [
    {
      type: 'bulletin.published',
      data: {
        campaignId: c.campaignId,
        issueNo: s.issues.length + 1,
        title: c.title,
        publishedAt: ctx.now.toISOString(),
        content: c.content,
      },
    },
  ];
}

function evolve(s: BulletinState, e: BulletinEvent): BulletinState {
  const { campaignId, ...issue } = e.data;
  return { exists: true, campaignId, issues: [...s.issues, issue] };
}

export const bulletinDecider: Decider<BulletinCommand, BulletinEvent, BulletinState> = {
  aggregate: 'bulletin',
  campaignWide: true,
  initialState: initialBulletinState,
  decide,
  evolve,
};
