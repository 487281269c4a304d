import { AppConfig, ConfigError, loadConfig } from '../../src/config/config';

/** Runs a command-line script with validated configuration; prints a clear message and exits non-zero on error. */
export function runCli(main: (config: AppConfig, args: string[]) => Promise<void>): void {
  let config: AppConfig;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(78);
    }
    throw err;
  }
  main(config, process.argv.slice(2)).then(
    () => process.exit(process.exitCode ?? 0),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
