import { CsvError, parseCsv } from './csv';

describe('parseCsv', () => {
  it('reads header and rows with CRLF or LF, and drops a BOM and blank lines', () => {
    expect(parseCsv('\ufeffa,b\r\n1,2\n\n3,\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', ''],
    ]);
  });

  it('keeps Chinese text, commas, quotes and line breaks inside quoted fields', () => {
    expect(parseCsv('name,addr\n"重庆某""安全""培训, 有限公司","渝中区\n解放碑"')).toEqual([
      ['name', 'addr'],
      ['重庆某"安全"培训, 有限公司', '渝中区\n解放碑'],
    ]);
  });

  it('refuses an unclosed quote and a quote in the middle of a field, with the line', () => {
    expect(() => parseCsv('a\n"x')).toThrow(new CsvError(2, 'a quoted field is not closed'));
    expect(() => parseCsv('a\nx"y"')).toThrow(CsvError);
    expect(() => parseCsv('a\n"x"y')).toThrow('line 2: a closing quote must end the field');
  });
});
