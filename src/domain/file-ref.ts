/** A stored file as an event cites it: enough to find its bytes and to tell whether they are still the same. */
export interface FileRef {
  fileId: string;
  sha256: string;
  size: number;
  mediaType: string;
  name: string;
}
