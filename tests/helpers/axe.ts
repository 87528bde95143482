import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const require = createRequire(import.meta.url)
let source: string | null = null

/**
 * axe-core's serious and critical findings on the page as it stands, as
 * "rule: target" lines, target size and label-in-name included. Injected through the DevTools protocol (not a
 * script tag), so the page's CSP, which allows no inline script, is kept.
 */
export async function seriousAxeFindings(page: Page): Promise<string[]> {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  await page.evaluate(source)
  const violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] =
    await page.evaluate(async () => {
      const scope = globalThis as any
      const result = await scope.axe.run(scope.document, {
        resultTypes: ['violations'],
        // Off in axe by default: WCAG 2.2's target size (24 × 24 px, or spaced as far apart), and
        // an accessible name that contains the visible label (2.5.3, what speech users say).
        rules: {
          'target-size': { enabled: true },
          'label-content-name-mismatch': { enabled: true },
        },
      })
      return result.violations
    })
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`)
    )
}
