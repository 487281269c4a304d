import { canonicalJson, NonCanonicalValueError } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"x":2,"y":1}]},"b":1}',
    );
  });

  it('keeps Chinese text as it is', () => {
    expect(JSON.parse(canonicalJson({ 名称: '安全生产培训“走过场”' }))).toEqual({ 名称: '安全生产培训“走过场”' });
  });

  it('refuses values the store cannot keep exactly', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(NonCanonicalValueError);
    expect(() => canonicalJson({ s: 'a\u0000b' })).toThrow(/s: must not contain the NUL character/);
  });
});
