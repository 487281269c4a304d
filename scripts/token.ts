/**
 * Prints a bearer token for local use:
 *   npm run token -- --role city-admin [--sub alice] [--districts 500103,500104] [--subject <id>] [--hours 12]
 */
import { signToken } from '../src/auth/jwt';
import { ConfigError, loadConfig } from '../src/config/config';
import { Role, ROLES } from '../src/shared/decider';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

try {
  const config = loadConfig();
  const role = arg('role') as Role | undefined;
  if (!role || !ROLES.includes(role)) {
    process.stderr.write(`usage: npm run token -- --role <${ROLES.join('|')}> [--sub id] [--districts a,b] [--subject id] [--hours n]\n`);
    process.exit(2);
  }
  const hours = Number(arg('hours') ?? 12);
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
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(err.message + '\n');
    process.exit(78);
  }
  throw err;
}
