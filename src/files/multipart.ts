import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ValidationProblem } from '../http/problem';

/** The one file of a multipart/form-data upload: its bytes as they arrive, and the name it was sent with. */
export interface MultipartFile {
  name: string;
  bytes: AsyncIterable<Buffer>;
}

const problem = (field: string, rule: string, message: string) => new ValidationProblem([{ field, rule, message }]);

/**
 * Reads a multipart/form-data body that holds one part, `file`, as a browser's FormData sends it: streamed (the
 * bytes are not buffered; past `maxBytes` the caller stops reading), its filename taken as UTF-8. Anything else in the
 * body is refused once the body has been read to its end (400): a field, a second part, a part of another name.
 */
export function multipartFile(req: IncomingMessage, maxBytes: number): Promise<MultipartFile> {
  return new Promise<MultipartFile>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { files: 1, fields: 0, parts: 2, fileSize: maxBytes + 1, headerPairs: 20 },
      });
    } catch (err) {
      reject(problem('Content-Type', 'multipart', `not a multipart/form-data body: ${(err as Error).message}`));
      return;
    }
    // busboy says a limit is reached when the part that reaches it ends: a second part, a second file, any field
    let extra = false;
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) parser.on(limit, () => (extra = true));
    const closed = new Promise<void>((done, fail) => {
      parser.on('close', done);
      parser.on('error', (err: Error) =>
        fail(problem('body', 'multipart', `the multipart body is malformed: ${err.message}`)),
      );
    });
    closed.then(() => reject(problem('file', 'required', 'send the file as a part named file')), reject);
    parser.on('file', (field: string, stream: Readable, info: busboy.FileInfo) => {
      if (field !== 'file') {
        stream.resume();
        reject(problem(field, 'unknown', `the only part is file (got ${field})`));
        return;
      }
      resolve({
        name: info.filename ?? '',
        bytes: (async function* () {
          for await (const chunk of stream) yield chunk as Buffer;
          // judged once the whole body is read: nothing may follow the file
          await closed;
          if (extra) throw problem('body', 'onePart', 'send one part, named file, and nothing else');
        })(),
      });
    });
    req.pipe(parser);
  });
}
