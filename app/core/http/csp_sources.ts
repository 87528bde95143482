import type { HttpContext } from '@adonisjs/core/http'

/*
| Origins other modules add to every page's CSP `form-action`, decided per
| request (a test moves them). Billing adds the Razorpay stand-in's fake
| Checkout while it is configured (development, tests, the demo; a
| production process refuses to boot with it): a form that leaves for it
| may be on a page the browser reached through a boosted link, whose
| document keeps the CSP of the first page it loaded, so every page must
| allow it, not only the billing page.
*/

const formActionSources: (() => string | null)[] = []

export function addFormActionSource(source: () => string | null) {
  if (!formActionSources.includes(source)) formActionSources.push(source)
}

/** The response's CSP (as shield set it) with the added origins in its `form-action`. */
export function widenFormAction(response: HttpContext['response']) {
  if (formActionSources.length === 0) return
  const origins = formActionSources.map((source) => source()).filter(Boolean)
  if (origins.length === 0) return
  const policy = response.getHeader('Content-Security-Policy')
  if (typeof policy !== 'string') return
  response.header(
    'Content-Security-Policy',
    policy.replace("form-action 'self'", `form-action 'self' ${origins.join(' ')}`)
  )
}
