import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { ExpiringCache } from '#core/services/expiring_cache'
import { onSiblings, tellSiblings } from '#core/services/web_cluster'
import type { VerifiedCertificate } from '#certificates/queries/verification'
import verification from '#config/verification'

/**
 * Certificates by the hash of their verification token, as the public
 * verification path reads them: a scan at a convocation costs no query when
 * the certificate was verified before and has not changed since.
 *
 * What a visitor can be shown, and for how long:
 * - In this process, a certificate is forgotten when it is saved (revoked,
 *   superseded, corrected) once that transaction commits, so the next
 *   request reads it fresh: a revocation shows on the next request. A load
 *   under way when it is forgotten is not kept either.
 * - The other web processes of this host are told when that transaction
 *   commits (#core/services/web_cluster) and forget it too, a moment later.
 * - Every process also reads the change feed every
 *   `VERIFICATION_CHANGES_POLL_MS` (1 s): the certificates whose
 *   `updated_at` moved since it last looked (every write to a certificate
 *   sets it, saves and bulk updates alike), from any host, and forgets
 *   them. So another host shows a change within about a second; a change
 *   whose transaction outlasted the feed's overlap (5 s) within
 *   `VERIFICATION_CERTIFICATE_TTL_MS` (60 s), the most any entry is kept.
 *   Without the feed (poll 0) entries are kept 5 s.
 * - Expiry needs no forgetting: the public status is computed from
 *   `expires_at` at every request.
 * - "None found" is never kept: a certificate issued a moment ago (by a
 *   worker in another process) shows at once.
 *
 * The cached model is shared by every request: read it, never change it.
 * Code that changes certificates without saving the model (a bulk update)
 * sets `updated_at` and calls `forgetVerifiedCertificate` after its commit.
 */
const certificates = new ExpiringCache<VerifiedCertificate | null>({
  ttlMs: verification.certificates.ttlMs,
  maxEntries: verification.certificates.maxEntries,
  keeps: (certificate) => certificate !== null,
})

export function verifiedCertificate(
  tokenHash: string,
  load: () => Promise<VerifiedCertificate | null>
) {
  if (!feed && verification.certificates.changesPollMs > 0) startChangeFeed()
  return certificates.get(tokenHash, load)
}

/** Where the change feed reads from next (epoch ms of `updated_at`), and its timer. */
let feed: { since: number; timer: NodeJS.Timeout; reading: boolean } | null = null

function startChangeFeed() {
  const since = Date.now() - verification.certificates.changesOverlapMs
  const timer = setInterval(() => {
    if (!feed || feed.reading) return
    feed.reading = true
    pollVerificationChanges()
      .catch((error) => logger.warn({ err: error }, 'verification change feed: read failed'))
      .finally(() => {
        if (feed) feed.reading = false
      })
  }, verification.certificates.changesPollMs)
  timer.unref()
  feed = { since, timer, reading: false }
}

/** Stops reading the change feed (a process stopping; tests). */
export function stopVerificationChangeFeed() {
  if (feed) clearInterval(feed.timer)
  feed = null
}

app.terminating(() => stopVerificationChangeFeed())

const FEED_PAGE = 5_000

/**
 * Reads the certificates changed since the last read (less the overlap)
 * and forgets them here; returns how many rows it read. The timer calls it
 * every `changesPollMs`; tests call it as another host's change would need.
 */
export async function pollVerificationChanges(since = feed?.since ?? 0) {
  const client = db.connection()
  const { changesOverlapMs } = verification.certificates
  let from = since
  let read = 0
  let latest = since
  for (;;) {
    const rows: { verification_token_hash: string; updated_at: unknown }[] = await client
      .from('certificates')
      .select('verification_token_hash', 'updated_at')
      .where('updated_at', '>=', dbTimestamp(client, DateTime.fromMillis(from, { zone: 'utc' })))
      .orderBy('updated_at', 'asc')
      .limit(FEED_PAGE)
    for (const row of rows) {
      certificates.delete(row.verification_token_hash)
      latest = Math.max(latest, epochMs(row.updated_at))
    }
    read += rows.length
    if (rows.length < FEED_PAGE || latest <= from) break
    from = latest
  }
  if (feed) feed.since = Math.max(feed.since, latest - changesOverlapMs)
  return read
}

/** A timestamp column as read (SQLite text in UTC, PostgreSQL a Date) in epoch ms. */
function epochMs(value: unknown) {
  if (value instanceof Date) return value.getTime()
  const text = String(value)
  const parsed = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`)
  return Number.isNaN(parsed) ? 0 : parsed
}

type Row = Record<string, unknown>

/**
 * The row each token last read, and the certificate made of it. When an
 * entry above has lapsed and the row is read again unchanged (the common
 * case: a certificate's public columns rarely change), the same object is
 * used again, and with it its view and its drawn page (both kept per
 * object): a re-read costs one indexed select, not a model hydrated, its
 * dates parsed and its page drawn. A row that differs in any column makes
 * a new object, so nothing shown outlives a change. At most
 * `rowsKept`, the least recently read leave first.
 */
const lastRead = new Map<string, { row: Row; certificate: VerifiedCertificate }>()

function sameRow(kept: Row, read: Row) {
  for (const key of Object.keys(read)) {
    const a = kept[key]
    const b = read[key]
    if (a === b) continue
    if (a instanceof Date && b instanceof Date && a.getTime() === b.getTime()) continue
    return false
  }
  return Object.keys(kept).length === Object.keys(read).length
}

/** The certificate of a row just read: the object made of the same row last time, or a new one. */
export function certificateOfRow(
  tokenHash: string,
  row: Row,
  make: (row: Row) => VerifiedCertificate
): VerifiedCertificate {
  const kept = lastRead.get(tokenHash)
  if (kept) lastRead.delete(tokenHash)
  const certificate = kept && sameRow(kept.row, row) ? kept.certificate : make(row)
  if (lastRead.size >= verification.certificates.rowsKept) {
    lastRead.delete(lastRead.keys().next().value!)
  }
  lastRead.set(tokenHash, { row, certificate })
  return certificate
}

const CHANNEL = 'certificates.verification.forget'

onSiblings(CHANNEL, (tokenHash) => certificates.delete(tokenHash as string))

/** Forgets the certificate here and in the other web processes of this host (call it after the commit). */
export function forgetVerifiedCertificate(tokenHash: string) {
  certificates.delete(tokenHash)
  tellSiblings(CHANNEL, tokenHash)
}

/** Forgets it in this process only: a save still inside its transaction (the commit tells the others). */
export function forgetVerifiedCertificateHere(tokenHash: string) {
  certificates.delete(tokenHash)
}
