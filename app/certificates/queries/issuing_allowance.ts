import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import { type IssuingCheckRefusal, refusalOfChecks } from '#certificates/services/issuing_checks'

/**
 * Whether an org may issue `certificates` more, and how many of them its
 * trial still covers: the one place issuing asks (a job created on the web
 * or through the API, a dry run). Billing prices what is left
 * (#billing/queries/issuing_quote); it lives here because issuing may not
 * import billing, and everything it reads is the org's and this module's
 * (`billing_usage_events`, one row per certificate issued).
 *
 * Refused: an org whose account is suspended or closed (`billing_status`;
 * dunning suspends an org whose invoice stays unpaid past its grace
 * period), and whatever the checks other modules added refuse (billing's
 * spend cap, #certificates/services/issuing_checks). Certificates already issued are never touched by this:
 * they verify, download and deliver whatever the account's state.
 */
export type IssuingRefusal =
  | {
      code: 'E_BILLING_SUSPENDED'
      message: string
    }
  | IssuingCheckRefusal

export interface IssuingAllowance {
  certificates: number
  /** Free certificates the trial has left before these are issued (0 off trial or once it ended). */
  trialCertificatesLeft: number
  /** Of these, covered by the trial, and the rest, billed at the certificate fee. */
  freeCertificates: number
  billableCertificates: number
  refusal: IssuingRefusal | null
}

export async function issuingAllowance(
  org: Organization,
  certificates: number,
  options: { now?: DateTime; client?: QueryClientContract } = {}
): Promise<IssuingAllowance> {
  const now = options.now ?? DateTime.utc()
  const client = options.client ?? db.connection()
  const left = await trialCertificatesLeft(org, now, client)
  const freeCertificates = Math.min(certificates, left)
  const billable = certificates - freeCertificates
  return {
    certificates,
    trialCertificatesLeft: left,
    freeCertificates,
    billableCertificates: billable,
    refusal:
      issuingRefusal(org) ??
      (certificates > 0 ? await refusalOfChecks(org, { certificates, billable }, client) : null),
  }
}

/** Why this org may not issue at all now, or null. */
export function issuingRefusal(org: Organization): IssuingRefusal | null {
  switch (org.billingStatus) {
    case 'suspended':
      return {
        code: 'E_BILLING_SUSPENDED',
        message: `${org.name}’s account is suspended, so no new certificates can be issued until it is settled under Billing. Certificates already issued still verify, download and deliver.`,
      }
    case 'cancelled':
      return {
        code: 'E_BILLING_SUSPENDED',
        message: `${org.name}’s account is closed, so no new certificates can be issued. Certificates already issued still verify, download and deliver.`,
      }
    case 'trialing':
    case 'active':
    case 'past_due':
      return null
  }
}

/** The trial's free certificates not yet issued: none once the trial ended or off trial. */
async function trialCertificatesLeft(
  org: Organization,
  now: DateTime,
  client: QueryClientContract
) {
  if (org.billingStatus !== 'trialing') return 0
  if (!org.trialEndsAt || org.trialEndsAt <= now) return 0
  const query = client
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .where('event_type', 'certificate_issued')
  if (org.trialStartedAt) query.where('occurred_at', '>=', dbTimestamp(client, org.trialStartedAt))
  const row = await query.sum('quantity as issued').first()
  return Math.max(0, org.trialFreeCertificates - Number(row?.issued ?? 0))
}
