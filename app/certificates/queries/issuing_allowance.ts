import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { formatDate, formatNumber } from '#core/services/formatting'
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
 * period); a trialing org, which has no payment method yet (any captured
 * payment makes it active), once its trial ended or for a job its trial's
 * free certificates do not cover (`E_TRIAL_EXHAUSTED`); and whatever the
 * checks other modules added refuse (billing's past-due invoices and spend
 * cap, #certificates/services/issuing_checks). Certificates already issued
 * are never touched by this: they verify, download and deliver whatever the
 * account's state.
 */
export type IssuingRefusal =
  | {
      code: 'E_BILLING_SUSPENDED' | 'E_TRIAL_EXHAUSTED'
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
      issuingRefusal(org, now) ??
      trialExhausted(org, { certificates, billable, left }) ??
      (certificates > 0 ? await refusalOfChecks(org, { certificates, billable }, client) : null),
  }
}

/** Why this org may not issue at all now, or null. */
export function issuingRefusal(
  org: Organization,
  now: DateTime = DateTime.utc()
): IssuingRefusal | null {
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
      return trialEnded(org, now)
    case 'active':
    case 'past_due':
      return null
  }
}

const certificatesIn = (count: number) => (count === 1 ? 'free certificate' : 'free certificates')

const LIFTED_BY =
  'Adding a prepaid balance or paying under Billing lifts this. Certificates already issued still verify, download and deliver.'

/** A trial that ended, with no payment since (the org would be active): nothing more until one. */
function trialEnded(org: Organization, now: DateTime): IssuingRefusal | null {
  if (org.trialEndsAt && org.trialEndsAt > now) return null
  const ended = org.trialEndsAt ? ` on ${formatDate(org.trialEndsAt, { long: true })}` : ''
  return {
    code: 'E_TRIAL_EXHAUSTED',
    message: `The trial of ${org.name} ended${ended}, so no new certificates can be issued. ${LIFTED_BY}`,
  }
}

/** A trialing org's job that its trial's free certificates do not all cover (it has nothing to bill them to). */
function trialExhausted(
  org: Organization,
  counts: { certificates: number; billable: number; left: number }
): IssuingRefusal | null {
  if (org.billingStatus !== 'trialing' || counts.billable === 0) return null
  const free = org.trialFreeCertificates
  const covered =
    counts.left > 0
      ? `${org.name}’s trial covers ${formatNumber(counts.left)} more ${certificatesIn(counts.left)}`
      : free > 0
        ? `${org.name} has used the ${formatNumber(free)} ${certificatesIn(free)} its trial covers`
        : `${org.name}’s trial covers no certificates`
  return {
    code: 'E_TRIAL_EXHAUSTED',
    message: `${covered} and this job has ${formatNumber(counts.certificates)}, so it cannot be issued. ${LIFTED_BY}`,
  }
}

/**
 * The trial's free certificates not yet issued, nor held for jobs under way
 * (queued or processing: each job counts what it has yet to issue, so jobs
 * created one after another before any has run share the trial's
 * certificates rather than each being allowed all of them): none once the
 * trial ended. An org that paid during its trial keeps them, as its
 * invoice does (#billing/queries/period_charges prices the first ones
 * issued within the trial at zero, whatever the account's status).
 */
async function trialCertificatesLeft(
  org: Organization,
  now: DateTime,
  client: QueryClientContract
) {
  if (!org.trialEndsAt || org.trialEndsAt <= now) return 0
  const query = client
    .from('billing_usage_events')
    .where('organization_id', org.id)
    .where('event_type', 'certificate_issued')
  if (org.trialStartedAt) query.where('occurred_at', '>=', dbTimestamp(client, org.trialStartedAt))
  const row = await query.sum('quantity as issued').first()
  const underWay = await client
    .from('certificate_generation_jobs')
    .where('organization_id', org.id)
    .whereIn('status', ['queued', 'processing'])
    .sum('total_items as total')
    .sum('completed_items as completed')
    .sum('failed_items as failed')
    .first()
  const pending =
    Number(underWay?.total ?? 0) - Number(underWay?.completed ?? 0) - Number(underWay?.failed ?? 0)
  const taken = Number(row?.issued ?? 0) + Math.max(0, pending)
  return Math.max(0, org.trialFreeCertificates - taken)
}
