/** What the campaign rectifies: training institutions, exam bodies, exam sites, companies (domain.md §3). */
export const SUBJECT_TYPES = ['training-institution', 'exam-institution', 'exam-site', 'production-unit'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** Who owes a deadline: the district bureaus, the city, or every subject of one type. */
export const PARTIES = ['district-bureau', 'city', ...SUBJECT_TYPES] as const;
export type Party = (typeof PARTIES)[number];
