import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { gstinCheckCharacter } from '#core/services/gstin'
import Organization from '#orgs/models/organization'

/** A GSTIN that passes the checksum, for a state code and a made-up PAN. */
export function gstinFor(stateCode: string, pan = 'AABCT1332L') {
  const first14 = `${stateCode}${pan}1Z`
  return `${first14}${gstinCheckCharacter(first14)}`
}

/** Sets an org's life and billing details as a test needs them (dates are UTC ISO instants). */
export async function billingProfile(
  org: Organization,
  profile: {
    createdAt: string
    trialEndsAt?: string | null
    trialFreeCertificates?: number
    state?: string | null
    gstin?: string | null
    businessName?: string | null
  }
) {
  const created = DateTime.fromISO(profile.createdAt, { zone: 'utc' })
  const trialEnd =
    profile.trialEndsAt === undefined
      ? created.plus({ days: 7 })
      : profile.trialEndsAt && DateTime.fromISO(profile.trialEndsAt, { zone: 'utc' })
  await db
    .from('organizations')
    .where('id', org.id)
    .update({
      created_at: dbTimestamp(db.connection(), created),
      trial_started_at: dbTimestamp(db.connection(), created),
      trial_ends_at: trialEnd ? dbTimestamp(db.connection(), trialEnd) : null,
      trial_free_certificates: profile.trialFreeCertificates ?? 10,
      state: profile.state ?? null,
      gstin: profile.gstin ?? null,
      business_name: profile.businessName ?? null,
      address_line1: '12 MG Road',
      city: 'Bengaluru',
      postal_code: '560001',
    })
  return Organization.findOrFail(org.id)
}

/** Usage events as issuing records them: `count` certificates issued at `at` (a UTC ISO instant). */
export async function issuedAt(org: Organization, at: string, count: number) {
  const when = dbTimestamp(db.connection(), DateTime.fromISO(at, { zone: 'utc' }))
  for (let done = 0; done < count; done += 200) {
    await db.table('billing_usage_events').multiInsert(
      Array.from({ length: Math.min(200, count - done) }, () => ({
        id: randomUUID(),
        organization_id: org.id,
        event_type: 'certificate_issued',
        occurred_at: when,
        quantity: 1,
        metadata: JSON.stringify({}),
        created_at: when,
      }))
    )
  }
}

/** A reissue recorded at `at` of a certificate first issued at `replacedIssuedAt`. */
export async function reissuedAt(org: Organization, at: string, replacedIssuedAt: string) {
  const when = dbTimestamp(db.connection(), DateTime.fromISO(at, { zone: 'utc' }))
  await db.table('billing_usage_events').insert({
    id: randomUUID(),
    organization_id: org.id,
    event_type: 'certificate_reissued',
    occurred_at: when,
    quantity: 1,
    metadata: JSON.stringify({
      reissued_from_certificate_id: randomUUID(),
      reissued_from_issued_at: replacedIssuedAt,
    }),
    created_at: when,
  })
}

/** The text of a PDF as poppler's pdftotext reads it (layout kept). */
export function pdfText(bytes: Uint8Array) {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: bytes }).toString('utf8')
}
