/**
 * What a file is, from its bytes, never from what the uploader says: PDF, JPEG, PNG, and the ZIP containers
 * DOCX, XLSX and OFD (the Chinese fixed-layout e-document format, GB/T 33190), told apart by the entries they
 * hold. Anything else (HTML among it, whatever its name) is not accepted.
 */
export const MEDIA_TYPES = {
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
  png: 'image/png',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ofd: 'application/ofd',
} as const;

export type MediaType = (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES];
export const ALLOWED_MEDIA_TYPES: MediaType[] = Object.values(MEDIA_TYPES);

const startsWith = (b: Buffer, sig: number[]) => b.length >= sig.length && sig.every((x, i) => b[i] === x);

/** Names of the entries a ZIP holds, from its central directory (in the file's last bytes) and local headers. */
export function zipEntryNames(head: Buffer, tail: Buffer): string[] {
  const names: string[] = [];
  // central directory file headers: PK\x01\x02, name length at 28, extra at 30, comment at 32, name at 46
  for (
    let i = tail.indexOf('PK\u0001\u0002', 0, 'latin1');
    i >= 0 && i + 46 <= tail.length;
    i = tail.indexOf('PK\u0001\u0002', i + 4, 'latin1')
  ) {
    const n = tail.readUInt16LE(i + 28);
    if (i + 46 + n <= tail.length) names.push(tail.subarray(i + 46, i + 46 + n).toString('utf8'));
  }
  // local file headers at the start: PK\x03\x04, name length at 26, name at 30
  for (let i = 0; i >= 0 && i + 30 <= head.length; i = head.indexOf('PK\u0003\u0004', i + 4, 'latin1')) {
    if (!startsWith(head.subarray(i), [0x50, 0x4b, 0x03, 0x04])) continue;
    const n = head.readUInt16LE(i + 26);
    if (i + 30 + n <= head.length) names.push(head.subarray(i + 30, i + 30 + n).toString('utf8'));
  }
  return names;
}

/** The media type of a file given its first bytes (at least 8) and its last ones (for a ZIP's directory); null: not accepted. */
export function sniff(head: Buffer, tail: Buffer): MediaType | null {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return MEDIA_TYPES.pdf; // %PDF-
  if (startsWith(head, [0xff, 0xd8, 0xff])) return MEDIA_TYPES.jpeg;
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return MEDIA_TYPES.png;
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    const names = zipEntryNames(head, tail);
    if (names.some((n) => n.startsWith('word/'))) return MEDIA_TYPES.docx;
    if (names.some((n) => n.startsWith('xl/'))) return MEDIA_TYPES.xlsx;
    if (names.some((n) => n === 'OFD.xml' || n.endsWith('/OFD.xml'))) return MEDIA_TYPES.ofd;
  }
  return null;
}
