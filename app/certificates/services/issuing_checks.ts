import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'

/**
 * Why issuing some certificates is refused, from a module issuing may not
 * import: billing adds its checks here (a spend cap) from a file start/
 * preloads, as modules give the queue their kinds, so certificates asks
 * billing without depending on it.
 */
export type IssuingCheckRefusal = { code: 'E_SPEND_CAP' | 'E_BILLING_PAST_DUE'; message: string }

/** `billable`: how many of `certificates` the trial does not cover. */
export type IssuingCheck = (
  org: Organization,
  counts: { certificates: number; billable: number },
  client: QueryClientContract
) => Promise<IssuingCheckRefusal | null>

const checks: IssuingCheck[] = []

export function addIssuingCheck(check: IssuingCheck) {
  if (!checks.includes(check)) checks.push(check)
}

/** The first refusal of the checks added, or null. */
export async function refusalOfChecks(
  org: Organization,
  counts: { certificates: number; billable: number },
  client: QueryClientContract
) {
  for (const check of checks) {
    const refusal = await check(org, counts, client)
    if (refusal) return refusal
  }
  return null
}
