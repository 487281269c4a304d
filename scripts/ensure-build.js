#!/usr/bin/env node
/**
 * Builds dist/ only when it is missing or older than what it is built from (src/, scripts/, the tsconfigs, the
 * lock file), so `npm run token` and the other scripts start at once from an existing build. `--force` always
 * builds (`npm run build`). The build compiles over dist/ in place (nest-cli.json: deleteOutDir false): it never
 * deletes dist/ under a service that runs from it. Plain JavaScript: it runs before anything is compiled.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');
const INPUTS = ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const force = process.argv.includes('--force');
const built = existsSync(stamp) && existsSync(join(root, 'dist', 'src', 'main.js')) ? statSync(stamp).mtimeMs : 0;
const inputs = Math.max(...INPUTS.map((p) => newest(join(root, p))));
if (force || built === 0 || inputs > built) {
  const started = Date.now();
  process.stderr.write(
    force
      ? 'building dist/\n'
      : built === 0
        ? 'dist/ is missing: building it\n'
        : 'dist/ is older than the sources: building it\n',
  );
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
