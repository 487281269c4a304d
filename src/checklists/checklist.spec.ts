import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { refusalOf } from '../shared/decider.testing';
import { changedAnswers, ChecklistCatalog, CHECKLISTS, checkAnswers, unanswered } from './checklist';
import { SEED_TEMPLATES } from './seed-templates';

const seed = (file: string) => readFileSync(join(__dirname, '..', '..', 'docs', 'seeds', file), 'utf8');

describe('the seven checklist templates (domain.md §3)', () => {
  it('have the ids, subject types and item counts of the digest, with item codes -01 … -nn', () => {
    expect(CHECKLISTS.list().map((t) => [t.templateId, t.subjectType, t.items.length])).toEqual([
      ['CQ2022-EI', 'exam-institution', 8],
      ['CQ2022-ES', 'exam-site', 8],
      ['CQ2022-PU', 'production-unit', 10],
      ['CQ2022-TI', 'training-institution', 10],
      ['LYG2021-EI', 'exam-institution', 6],
      ['LYG2021-PU', 'production-unit', 4],
      ['LYG2021-TI', 'training-institution', 4],
    ]);
    for (const t of SEED_TEMPLATES) {
      expect(t.items.map((i) => i.code)).toEqual(
        t.items.map((_, n) => `${t.templateId}-${String(n + 1).padStart(2, '0')}`),
      );
      for (const i of t.items) expect(i.gloss.length).toBeGreaterThan(10);
    }
  });

  it('quote every item verbatim from its source document, numbered as there', () => {
    for (const t of SEED_TEMPLATES) {
      const text = seed(t.source);
      t.items.forEach((item, n) => {
        const numbered = t.source.startsWith('000') ? `${n + 1}. ${item.text}` : `${n + 1}.${item.text}`;
        expect(text).toContain(numbered);
      });
    }
    expect(CHECKLISTS.get('CQ2022-TI')!.items[4].text).toBe(
      '是否存在理论网络培训作假，网络培训走过场，培训学员身份无审核，过程无管控，“假培训、挂培训、替培训”的情况。',
    );
  });
});

describe('versions', () => {
  const v2 = { ...SEED_TEMPLATES[0], version: 2, items: SEED_TEMPLATES[0].items.slice(0, 3) };
  const catalog = new ChecklistCatalog([...SEED_TEMPLATES, v2]);

  it('serve the latest by default and any published version on request', () => {
    expect(catalog.get('CQ2022-TI')!.version).toBe(2);
    expect(catalog.get('CQ2022-TI', 1)!.items).toHaveLength(10);
    expect(catalog.get('CQ2022-TI', 3)).toBeUndefined();
  });

  it('leave a form pinned to version 1 answerable on its own items only', () => {
    const pinned = catalog.get('CQ2022-TI', 1)!.items.map((i) => i.code);
    expect(() => checkAnswers(pinned, [{ itemCode: 'CQ2022-TI-10', problemPresent: false }])).not.toThrow();
    const latest = catalog.get('CQ2022-TI')!.items.map((i) => i.code);
    expect(refusalOf(() => checkAnswers(latest, [{ itemCode: 'CQ2022-TI-10', problemPresent: false }])).rule).toBe(
      'must be an item of the form',
    );
  });
});

describe('answers', () => {
  const codes = ['X-TI-01', 'X-TI-02'];
  it.each([
    [[], 'answers', 'must not be empty'],
    [[{ itemCode: 'X-TI-03', problemPresent: false }], 'answers[0].itemCode', 'must be an item of the form'],
    [
      [
        { itemCode: 'X-TI-01', problemPresent: false },
        { itemCode: 'X-TI-01', problemPresent: false },
      ],
      'answers[1].itemCode',
      'must be unique',
    ],
    [
      [{ itemCode: 'X-TI-01', problemPresent: true }],
      'answers[0].manifestation',
      'is required when a problem is present',
    ],
    [
      [{ itemCode: 'X-TI-01', problemPresent: true, manifestation: '  ' }],
      'answers[0].manifestation',
      'is required when a problem is present',
    ],
    [
      [{ itemCode: 'X-TI-01', problemPresent: false, manifestation: '无' }],
      'answers[0].manifestation',
      'must be empty when no problem is present',
    ],
  ])('refuses %j', (answers, field, rule) => {
    const e = refusalOf(() => checkAnswers(codes, answers));
    expect([e.field, e.rule]).toEqual([field, rule]);
  });

  it('keeps only what changes, and knows what is unanswered', () => {
    const current = { 'X-TI-01': { itemCode: 'X-TI-01', problemPresent: false } };
    expect(
      changedAnswers(current, [
        { itemCode: 'X-TI-01', problemPresent: false },
        { itemCode: 'X-TI-02', problemPresent: true, manifestation: '档案缺失' },
      ]),
    ).toEqual([{ itemCode: 'X-TI-02', problemPresent: true, manifestation: '档案缺失' }]);
    expect(unanswered(codes, current)).toEqual(['X-TI-02']);
  });
});
