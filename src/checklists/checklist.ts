import { invalid } from '../shared/decider';
import type { ChecklistTemplate } from './checklist-template';
import { SEED_TEMPLATES } from './seed-templates';

export type { ChecklistItem, ChecklistTemplate, TemplateRef } from './checklist-template';

/**
 * The versioned templates. A version, once published, never changes; forms pin the version they were
 * started against, so a newer version never touches answers given against an older one.
 */
export class ChecklistCatalog {
  constructor(private readonly templates: ChecklistTemplate[]) {}

  list(): ChecklistTemplate[] {
    return [...this.templates].sort((a, b) => a.templateId.localeCompare(b.templateId) || a.version - b.version);
  }

  latest(templateId: string): ChecklistTemplate | undefined {
    return this.templates.filter((t) => t.templateId === templateId).sort((a, b) => b.version - a.version)[0];
  }

  get(templateId: string, version?: number): ChecklistTemplate | undefined {
    if (version === undefined) return this.latest(templateId);
    return this.templates.find((t) => t.templateId === templateId && t.version === version);
  }
}

export const CHECKLISTS = new ChecklistCatalog(SEED_TEMPLATES);

// ---- the form: one answer per item -----------------------------------------------------------------------

export interface Answer {
  itemCode: string;
  problemPresent: boolean;
  /** 表现形式: required when a problem is present */
  manifestation?: string;
}

/** Refuses answers naming items outside the form, answering one item twice, or a problem without manifestation. */
export function checkAnswers(itemCodes: readonly string[], answers: readonly Answer[]): void {
  if (answers.length === 0) throw invalid('answers', 'must not be empty');
  const seen = new Set<string>();
  answers.forEach((a, i) => {
    if (!itemCodes.includes(a.itemCode)) {
      throw invalid(
        `answers[${i}].itemCode`,
        'must be an item of the form',
        `${a.itemCode} is not an item of this form (${itemCodes[0]} … ${itemCodes[itemCodes.length - 1]})`,
      );
    }
    if (seen.has(a.itemCode))
      throw invalid(`answers[${i}].itemCode`, 'must be unique', `${a.itemCode} is answered twice`);
    seen.add(a.itemCode);
    if (a.problemPresent && !a.manifestation?.trim()) {
      throw invalid(
        `answers[${i}].manifestation`,
        'is required when a problem is present',
        `${a.itemCode}: describe how the problem shows (表现形式)`,
      );
    }
    if (!a.problemPresent && a.manifestation !== undefined && a.manifestation.trim() !== '') {
      throw invalid(`answers[${i}].manifestation`, 'must be empty when no problem is present');
    }
  });
}

/** The answers that change something, normalised (no manifestation on a "no"). */
export function changedAnswers(current: Readonly<Record<string, Answer>>, answers: readonly Answer[]): Answer[] {
  return answers
    .map((a) =>
      a.problemPresent
        ? { itemCode: a.itemCode, problemPresent: true, manifestation: a.manifestation }
        : { itemCode: a.itemCode, problemPresent: false },
    )
    .filter((a) => JSON.stringify(current[a.itemCode]) !== JSON.stringify(a));
}

export function unanswered(itemCodes: readonly string[], current: Readonly<Record<string, Answer>>): string[] {
  return itemCodes.filter((c) => !current[c]);
}
