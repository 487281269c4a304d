/** The penalties an inspection may record (行政处罚), as the enforcement phase and the progress figures count them. */
export const PENALTY_KINDS = ['warning', 'fine', 'suspension', 'disqualification', 'referral'] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];
