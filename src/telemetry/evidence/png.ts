/**
 * SVG → PNG through headless Chromium (playwright-core drives the system's /usr/bin/chromium).
 * One browser for a batch of charts. Without Chromium the caller keeps the SVGs and reports why.
 */
import { access } from 'node:fs/promises';
import { chromium } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type PngResult = { ok: true } | { ok: false; reason: string };

export async function renderPngs(
  charts: Array<{ svg: string; path: string }>,
  executablePath = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM,
): Promise<PngResult> {
  try {
    await access(executablePath);
  } catch {
    return { ok: false, reason: `Chromium not found at ${executablePath}; charts written as SVG only` };
  }
  let browser;
  try {
    browser = await chromium.launch({ executablePath, args: ARGS, timeout: 30_000 });
  } catch (error) {
    return { ok: false, reason: `Chromium did not start (${firstLine(error)}); charts written as SVG only` };
  }
  try {
    const page = await browser.newPage();
    for (const chart of charts) {
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:#fff">${chart.svg}</body></html>`,
      );
      await page.locator('svg').first().screenshot({ path: chart.path });
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `rendering failed (${firstLine(error)}); charts written as SVG only` };
  } finally {
    await browser.close().catch(() => undefined);
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
