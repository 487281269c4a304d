import { MEDIA_TYPES, sniff } from './sniff';

/** A stored (uncompressed) ZIP holding the given entries: local headers, then the central directory. */
function zip(names: string[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const n = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n);
    centrals.push(central, n);
    offset += 30 + n.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  return Buffer.concat([...locals, ...centrals, end]);
}

const both = (b: Buffer) => sniff(b.subarray(0, 64), b.subarray(Math.max(0, b.length - 64 * 1024)));

describe('sniffing a file from its bytes', () => {
  it('knows PDF, JPEG and PNG by their signatures', () => {
    expect(both(Buffer.from('%PDF-1.7\n%âãÏÓ\n'))).toBe(MEDIA_TYPES.pdf);
    expect(both(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]))).toBe(MEDIA_TYPES.jpeg);
    expect(both(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBe(MEDIA_TYPES.png);
  });

  it('tells DOCX, XLSX and OFD apart by the entries of the ZIP, wherever they are listed', () => {
    expect(both(zip(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']))).toBe(MEDIA_TYPES.docx);
    expect(both(zip(['[Content_Types].xml', 'xl/workbook.xml']))).toBe(MEDIA_TYPES.xlsx);
    expect(both(zip(['OFD.xml', 'Doc_0/Document.xml']))).toBe(MEDIA_TYPES.ofd);
    // the OFD entry past the head: found in the central directory at the end
    const big = zip([...Array.from({ length: 40 }, (_, i) => `Doc_0/Pages/Page_${i}/Content.xml`), 'OFD.xml']);
    expect(sniff(big.subarray(0, 64), big)).toBe(MEDIA_TYPES.ofd);
  });

  it('refuses anything else: HTML whatever it is called, a plain ZIP, text, nothing', () => {
    expect(both(Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>'))).toBeNull();
    expect(both(Buffer.from(' %PDF-1.7'))).toBeNull();
    expect(both(zip(['readme.txt']))).toBeNull();
    expect(both(Buffer.from('整改报告'))).toBeNull();
    expect(both(Buffer.alloc(0))).toBeNull();
  });
});
