/**
 * Screenshots and layout checks for browser tests: {@link shootAll} takes a page
 * in light and dark mode at 1280 and 390 px wide into `artifacts/screenshots/`
 * (gitignored) and, at each size, {@link overflows} lists elements that stick out
 * of their card, or a page wider than the window.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';

export const SCREENSHOTS = 'artifacts/screenshots';
export const WIDTHS = [1280, 390] as const;
export const SCHEMES = ['light', 'dark'] as const;

/**
 * Elements inside a `cards` match whose box reaches beyond that card (ignoring
 * content inside a scrolling box, which is clipped on purpose), plus `page` when
 * the document scrolls sideways. Each entry names the card and the element.
 */
export async function overflows(page: Page, cards: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const found: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth + 1)
      found.push(`page: ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
    for (const card of document.querySelectorAll(selector)) {
      const box = card.getBoundingClientRect();
      if (box.width === 0) continue;
      if (box.right > window.innerWidth + 1) found.push(`${name(card)} leaves the window`);
      for (const el of card.querySelectorAll('*')) {
        const rect = el.getBoundingClientRect();
        if (rect.width === 0 || rect.height === 0) continue;
        let clipped = false;
        for (let up = el.parentElement; up && up !== card; up = up.parentElement) {
          const style = getComputedStyle(up);
          if (style.overflowX !== 'visible' || style.position === 'fixed') clipped = true;
        }
        if (clipped) continue;
        if (rect.right > box.right + 1 || rect.left < box.left - 1)
          found.push(
            `${name(el)} sticks out of ${name(card)} by ${Math.round(Math.max(rect.right - box.right, box.left - rect.left))}px`,
          );
      }
    }
    return found;
  }, cards);
}

/**
 * Screenshots of `page` as `<name>-<width>-<scheme>.png` for each width and colour
 * scheme; returns the overflow findings per shot (empty when the layout holds).
 */
export async function shootAll(
  page: Page,
  name: string,
  cards: string,
  options: { height?: number; fullPage?: boolean; prepare?: () => Promise<void> } = {},
): Promise<{ paths: string[]; problems: string[] }> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const paths: string[] = [];
  const problems: string[] = [];
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      await page.setViewportSize({ width, height: options.height ?? (width > 600 ? 900 : 844) });
      await page.emulateMedia({ colorScheme: scheme });
      await options.prepare?.();
      // Running transitions finished, then two animation frames: layout, resize
      // observers and charts have settled.
      await page.evaluate(async () => {
        await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})));
        await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      });
      const path = `${SCREENSHOTS}/${name}-${width}-${scheme}.png`;
      await page.screenshot({ path, fullPage: options.fullPage ?? false });
      paths.push(path);
      for (const problem of await overflows(page, cards))
        problems.push(`${width}px ${scheme}: ${problem}`);
    }
  }
  return { paths, problems };
}
