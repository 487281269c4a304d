import type { SubjectType } from '../domain';

/** The shape of a checklist (清单) template: what the seeds and the catalogue share. */
export interface ChecklistItem {
  /** stable across versions: `CQ2022-TI-01` */
  code: string;
  /** the source's wording, verbatim */
  text: string;
  /** a short English gloss */
  gloss: string;
}

export interface ChecklistTemplate {
  templateId: string;
  version: number;
  subjectType: SubjectType;
  title: string;
  titleEn: string;
  source: string;
  items: ChecklistItem[];
}

/** What a campaign, a self-inspection or an inspection pins: one version of one template. */
export interface TemplateRef {
  templateId: string;
  version: number;
}
