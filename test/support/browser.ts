import { notRun } from './tiers';
import { existsSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium (package `chromium`), which `.ci/run` installs when it is missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run here. Under CI=true they must: a missing Chromium fails them. Elsewhere they are
 * reported as skipped (never as passed), with how to install it.
 */
export function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium is required under CI=true and is not at ${CHROMIUM}`);
  notRun(`the browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return false;
}

/** Headless Chromium as this machine allows it: no sandbox as root, no background traffic to a closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page served from an origin of its own (another port of 127.0.0.1 is another origin); its HTML is asked for on
 * each request, so it may name things known only once the origin is (the API, which must allow the origin first).
 */
export async function servePage(html: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
