/** A stored file as an event cites it: enough to find its bytes and to tell whether they are still the same. */
export interface FileRef {
  fileId: string;
  sha256: string;
  size: number;
  mediaType: string;
  name: string;
}

/** What a rectification is shown with: a text, and the stored files (or, as before files were stored, a reference). */
export interface Evidence {
  text: string;
  /** a reference to a file kept elsewhere (free text, as before files were stored) */
  fileRef?: string;
  /** files stored here (POST /api/v1/files), each with the sha256 its bytes had */
  files?: FileRef[];
}
