import type { Party } from './subject-types';

/** A campaign deadline: its key (kebab-case, e.g. `typical-cases`), what is due, when, and who owes it. */
export interface Deadline {
  key: string;
  title: string;
  due: string;
  owedBy: Party;
}
