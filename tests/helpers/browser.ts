import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { existsSync } from 'node:fs'

let browser: Browser | null = null

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Debian's Chromium, headless; one browser per run, one context per test. */
export async function launchBrowser() {
  if (browser) return browser
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's "chromium" package (.ci/run does)`
    )
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return browser
}

export async function closeBrowser() {
  await browser?.close()
  browser = null
}

export function baseUrl() {
  return `http://${process.env.HOST}:${process.env.PORT}`
}

/**
 * A fresh browser context (cookies isolated) and page for one test; closed by
 * the returned cleanup. Console errors and CSP violations fail loudly.
 */
export async function visit(
  path: string,
  cleanup: (fn: () => Promise<void>) => void
): Promise<{ page: Page; context: BrowserContext }> {
  const sharedBrowser = await launchBrowser()
  const context = await sharedBrowser.newContext({ baseURL: baseUrl() })
  cleanup(() => context.close())
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`)
  })
  ;(page as any).problems = problems
  await page.goto(path)
  return { page, context }
}

/** Console errors and uncaught exceptions collected so far on a page from `visit`. */
export function pageProblems(page: Page): string[] {
  return (page as any).problems ?? []
}

/** How far the page scrolls sideways (0: nothing is wider than the screen). */
export function sidewaysScroll(page: Page) {
  return page.evaluate(() => {
    const root = (globalThis as any).document.documentElement
    return root.scrollWidth - root.clientWidth
  })
}

/** The innermost elements reaching past the window's right edge (what makes a page pan), for a failure's message. */
export function pastTheEdge(page: Page) {
  return page.evaluate(() => {
    const scope = globalThis as any
    const width = scope.document.documentElement.clientWidth
    const past = [...scope.document.querySelectorAll('body *')].filter(
      (element: any) => element.getBoundingClientRect().right > width + 0.5
    )
    return past
      .filter(
        (element: any) => !past.some((other: any) => other !== element && element.contains(other))
      )
      .slice(0, 5)
      .map((element: any) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`)
  })
}
