/**
 * Debian's Chromium driven by playwright-core for the console's end-to-end tests (docs/adr/0033-web-console.md):
 * the executable, launch flags for a closed network, and where screenshots go (test-artifacts/, git-ignored).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { requireTool } from '../helpers/tools.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join('test-artifacts', 'console');
/** No sandbox (root in CI), no outside traffic on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** False when Chromium is there, else the skip message (a failure under CI=true). */
export function chromiumMissing(): false | string {
  return requireTool('chromium', { cmd: CHROMIUM, args: ['--version'] });
}

export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A page in a fresh context (its own session storage) that records uncaught page errors in `errors`. */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}
