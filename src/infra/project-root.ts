import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A file or folder at the project root (the folder with package.json: the repository, or the image's /app), found
 * from wherever the code runs (src/ or dist/): migrations/, openapi.yaml.
 */
export function projectFile(name: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, name);
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`${name} not found above ${__dirname}`);
}
