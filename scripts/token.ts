/**
 * Prints a bearer token for local use:
 *   npm run token -- --role city-admin [--sub alice] [--districts 500103,500104] [--subject <id>] [--hours 12]
 */
import { signToken } from '../src/auth/jwt';
import { Role, ROLES } from '../src/shared/decider';
import { runCli } from './lib/cli';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

runCli(async (config) => {
  const role = arg('role') as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    throw new Error(
      `usage: npm run token -- --role <${ROLES.join('|')}> [--sub id] [--districts a,b] [--subject id] [--hours n]`,
    );
  }
  const hours = Number(arg('hours') ?? 12);
  if (!(hours > 0)) throw new Error('--hours must be a positive number');
  const token = signToken(
    {
      sub: arg('sub') ?? `local-${role}`,
      role,
      districts: arg('districts')?.split(',').filter(Boolean) ?? [],
      subjectId: arg('subject'),
    },
    config.jwtSecret,
    Math.round(hours * 3600),
  );
  process.stdout.write(token + '\n');
});
