import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { ExpiringCache } from '#core/services/expiring_cache'
import { DigestFilter } from '#core/services/digest_filter'
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
 *   worker in another process) shows at once. What each process keeps
 *   instead is a filter of the token hashes issued (`mightBeIssued`, below):
 *   the throttle uses it to refuse a scanner without a query.
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
  startKeeping()
  readAhead.lastVerificationAt = Date.now()
  return certificates.get(tokenHash, load)
}

/** Forgets a certificate in this process: its cached object and any row read ahead of it. */
function forget(tokenHash: string) {
  certificates.delete(tokenHash)
  readAhead.rows.delete(tokenHash)
  for (const job of jobsAhead.values()) job.rows.delete(tokenHash)
  for (const forgotten of readsUnderWay) forgotten.add(tokenHash)
}

/**
 * The change feed, the filter of issued tokens and the read-ahead start with the first
 * verification (only with a feed: it is what tells this process of changes).
 */
function startKeeping() {
  if (feed || verification.certificates.changesPollMs <= 0) return
  startChangeFeed()
  buildIssuedTokensSoon(0)
  readAheadSoon(0)
}

/**
 * Reads ahead: a convocation scans certificates issued in the last days,
 * each mostly once, so most of its scans would find nothing kept and cost
 * a query each (half the cost of a JSON verification, measured: the
 * verify bench's first pass over 10,000 tokens answered 3,453 req/s, the
 * same pass over rows read ahead 6,776). So each process keeps the rows
 * of the `readAheadRows` most recently changed certificates (issued,
 * mostly; keyset pages of the change feed's index, newest first), read
 * when it first verifies and again every half `ttlMs` while it verifies
 * (none for 10 minutes: it stops until the next). A lookup takes its row
 * from there instead of the database (`takeReadAhead`).
 *
 * The newest rows are not always the ones scanned: a convocation may come
 * weeks after its certificates were issued, or while another org issues
 * thousands (measured: with a 10,000-certificate job issuing beside it, the
 * newest rows were the job's and a third of the scans cost a query). So the
 * job being scanned is read ahead too: once `JOB_MISSES` lookups of one
 * generation job's certificates within a minute found nothing here, that
 * job's rows (up to `readAheadRows`, keyset pages of its index) are read,
 * at most once every half `ttlMs` and for the `JOBS_AHEAD` jobs most
 * recently scanned.
 *
 * A row read ahead obeys what a kept certificate does: the feed, a save
 * here or a sibling's word forgets it, and it is not used once older than
 * `ttlMs`. A row forgotten while a read is under way (read before the
 * change, stored after it) is not stored. Rows only, ~700 bytes each: a
 * certificate object is made when it is first asked for.
 */
const READ_AHEAD_PAGE = 500
const READ_AHEAD_IDLE_MS = 10 * 60_000
const JOB_MISSES = 8
const JOB_MISS_WINDOW_MS = 60_000
const JOBS_AHEAD = 4

type Row = Record<string, unknown>
type RowsAhead = Map<string, { row: Row; readAt: number }>

type ReadAheadReader = (
  limit: number,
  before: { at: unknown; hash: string } | null
) => Promise<Row[]>

/** A generation job's rows in `id` order, after `afterId` (keyset pages). */
type JobReader = (jobId: string, limit: number, afterId: string | null) => Promise<Row[]>

const readAhead: {
  rows: RowsAhead
  reader: ReadAheadReader | null
  jobReader: JobReader | null
  reading: boolean
  timer: NodeJS.Timeout | null
  lastVerificationAt: number
} = {
  rows: new Map(),
  reader: null,
  jobReader: null,
  reading: false,
  timer: null,
  lastVerificationAt: 0,
}

/**
 * The jobs being scanned (least recently scanned first): how many lookups of
 * theirs missed since `since`, the rows read ahead of them and when.
 */
interface JobAhead {
  misses: number
  since: number
  rows: RowsAhead
  readAt: number
  reading: Promise<void> | null
}
const jobsAhead = new Map<string, JobAhead>()

/** The token hashes forgotten during each read under way, so a row read before its change is not stored. */
const readsUnderWay = new Set<Set<string>>()

/** How the verification queries read the newest rows and a job's (registered by #certificates/queries/verification). */
export function readAheadWith(reader: ReadAheadReader, jobReader: JobReader) {
  readAhead.reader = reader
  readAhead.jobReader = jobReader
}

function readAheadSoon(delayMs: number) {
  if (readAhead.timer || verification.certificates.readAheadRows <= 0) return
  readAhead.timer = setTimeout(() => {
    readAhead.timer = null
    if (!feed) return
    if (Date.now() - readAhead.lastVerificationAt > READ_AHEAD_IDLE_MS) {
      // Nobody verified for a while: stop; the next verification starts it again.
      readAhead.rows.clear()
      jobsAhead.clear()
      readAheadIdle = true
      return
    }
    readAheadNow()
      .catch((error) =>
        logger.warn({ err: error }, 'verification: reading ahead failed; trying again later')
      )
      .finally(() => readAheadSoon(verification.certificates.ttlMs / 2))
  }, delayMs)
  readAhead.timer.unref()
}

/** True once the read-ahead stopped for want of verifications; the next one starts it again. */
let readAheadIdle = false

/**
 * Reads up to `readAheadRows` rows, a page at a time, into a fresh map, less
 * those forgotten meanwhile. `page(limit, last)` reads the page after the
 * last row read (null first).
 */
async function readRows(page: (limit: number, last: Row | null) => Promise<Row[]>) {
  const forgotten = new Set<string>()
  readsUnderWay.add(forgotten)
  const fresh: RowsAhead = new Map()
  try {
    const readAt = Date.now()
    let last: Row | null = null
    while (fresh.size < verification.certificates.readAheadRows) {
      const limit = Math.min(READ_AHEAD_PAGE, verification.certificates.readAheadRows - fresh.size)
      const rows = await page(limit, last)
      if (rows.length > 0) last = { ...rows[rows.length - 1] }
      for (const row of rows) {
        // Read for the cursor only: the row is kept as a lookup would read it.
        delete row.updated_at
        fresh.set(row.verification_token_hash as string, { row, readAt })
      }
      if (rows.length < limit) break
      // A page is a few milliseconds of the event loop: requests go between pages.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    for (const hash of forgotten) fresh.delete(hash)
    return fresh
  } finally {
    readsUnderWay.delete(forgotten)
  }
}

/**
 * Reads the newest `readAheadRows` rows into the read-ahead (tests call it;
 * the timer does otherwise); returns how many it keeps.
 */
export async function readAheadNow() {
  const reader = readAhead.reader
  if (!reader || readAhead.reading) return 0
  readAhead.reading = true
  try {
    readAhead.rows = await readRows((limit, last) =>
      reader(limit, last && { at: last.updated_at, hash: last.verification_token_hash as string })
    )
    return readAhead.rows.size
  } finally {
    readAhead.reading = false
  }
}

/**
 * A lookup of this job's certificate found nothing here and read the
 * database: the `JOB_MISSES`th within a minute reads the job ahead (unless
 * it was read in the last half `ttlMs`).
 */
export function missedLookupOfJob(jobId: string | null | undefined) {
  if (!jobId || !readAhead.jobReader || verification.certificates.readAheadRows <= 0) return
  const now = Date.now()
  let job = jobsAhead.get(jobId)
  if (job) {
    jobsAhead.delete(jobId)
  } else {
    job = { misses: 0, since: now, rows: new Map(), readAt: 0, reading: null }
    if (jobsAhead.size >= JOBS_AHEAD) jobsAhead.delete(jobsAhead.keys().next().value!)
  }
  jobsAhead.set(jobId, job)
  if (now - job.since > JOB_MISS_WINDOW_MS) {
    job.misses = 0
    job.since = now
  }
  job.misses++
  if (
    job.misses < JOB_MISSES ||
    job.reading ||
    now - job.readAt < verification.certificates.ttlMs / 2
  ) {
    return
  }
  job.readAt = now
  job.reading = readJobAhead(jobId, job)
}

async function readJobAhead(jobId: string, job: JobAhead) {
  const reader = readAhead.jobReader!
  try {
    job.rows = await readRows((limit, last) => reader(jobId, limit, (last?.id as string) ?? null))
    job.misses = 0
    job.since = Date.now()
  } catch (error) {
    logger.warn({ err: error, jobId }, 'verification: reading a job ahead failed')
  } finally {
    job.reading = null
  }
}

/** Resolves once the jobs being read ahead have been read (tests). */
export async function jobsReadAhead() {
  await Promise.all([...jobsAhead.values()].map((job) => job.reading))
}

/** The row read ahead for this token hash, taken (used once: the certificate made of it is kept instead). */
export function takeReadAhead(tokenHash: string): Row | null {
  if (readAheadIdle && feed) {
    readAheadIdle = false
    readAheadSoon(0)
  }
  let kept = readAhead.rows.get(tokenHash)
  if (kept) {
    readAhead.rows.delete(tokenHash)
  } else {
    for (const job of jobsAhead.values()) {
      kept = job.rows.get(tokenHash)
      if (kept) {
        job.rows.delete(tokenHash)
        break
      }
    }
  }
  if (!kept) return null
  return Date.now() - kept.readAt < verification.certificates.ttlMs ? kept.row : null
}

/** Forgets every row read ahead. */
function forgetRowsAhead() {
  readAhead.rows.clear()
  jobsAhead.clear()
}

/** Forgets everything read ahead (tests; a process stopping). */
export function forgetReadAhead() {
  forgetRowsAhead()
  if (readAhead.timer) clearTimeout(readAhead.timer)
  readAhead.timer = null
  readAheadIdle = false
}

/** Builds the filter of issued tokens in the background; a failed read is tried again a minute later. */
function buildIssuedTokensSoon(delayMs: number) {
  issuedTokens.scheduled = true
  setTimeout(() => {
    issuedTokens.scheduled = false
    if (!feed) return
    buildIssuedTokens().catch((error) => {
      logger.warn(
        { err: error },
        'verification: reading the issued tokens failed; trying again in a minute'
      )
      buildIssuedTokensSoon(60_000)
    })
  }, delayMs).unref()
}

/**
 * The token hash of every certificate in the database, as a Bloom filter
 * (#core/services/digest_filter): "surely never issued" or "perhaps". Built
 * by reading every hash once (keyset pages of the unique index) after the
 * change feed has started, then kept by the feed, which reads every row
 * inserted or changed since: a token issued anywhere is in it within about
 * a second (`changesPollMs`). Until it is built (or without a feed), every
 * token may be issued. ~1.25 bytes per certificate, sized for twice those
 * there are; a bigger one is built when it fills.
 *
 * Its only use is the throttle's (#certificates/services/verification_throttle):
 * an address already over its limit of misses asking for a token surely
 * never issued is refused without a query. A certificate issued in the last
 * second by another process, asked for from such an address, gets the
 * same 429 as a miss would: it shows once the address's minute is over.
 */
const issuedTokens: {
  filter: DigestFilter | null
  /** The one being read (the feed adds to it too); `reading` from the first statement on. */
  building: DigestFilter | null
  reading: boolean
  scheduled: boolean
} = { filter: null, building: null, reading: false, scheduled: false }

const ISSUED_TOKENS_PAGE = 10_000
const ISSUED_TOKENS_MIN_CAPACITY = 100_000

/** Reads every token hash into a new filter, used from then on (tests call it, and `pollVerificationChanges`). */
export async function buildIssuedTokens() {
  if (issuedTokens.reading) return
  issuedTokens.reading = true
  let filter: DigestFilter | null = null
  try {
    const client = db.connection()
    const counted = await client.from('certificates').count('* as total').first()
    const capacity = Math.max(ISSUED_TOKENS_MIN_CAPACITY, 2 * Number(counted?.total ?? 0))
    filter = new DigestFilter(capacity)
    issuedTokens.building = filter
    let after: string | null = null
    for (;;) {
      const query = client
        .from('certificates')
        .select('verification_token_hash')
        .orderBy('verification_token_hash', 'asc')
        .limit(ISSUED_TOKENS_PAGE)
      if (after !== null) query.where('verification_token_hash', '>', after)
      const rows: { verification_token_hash: string }[] = await query
      for (const row of rows) filter.add(row.verification_token_hash)
      if (rows.length < ISSUED_TOKENS_PAGE) break
      after = rows[rows.length - 1].verification_token_hash
    }
    if (issuedTokens.building === filter) issuedTokens.filter = filter
  } finally {
    if (issuedTokens.building === filter) issuedTokens.building = null
    issuedTokens.reading = false
  }
}

/** False only when no certificate was surely ever issued with this token hash (see `issuedTokens`). */
export function mightBeIssued(tokenHash: string) {
  return issuedTokens.filter === null || issuedTokens.filter.mightContain(tokenHash)
}

function noteIssued(tokenHash: string) {
  issuedTokens.filter?.add(tokenHash)
  issuedTokens.building?.add(tokenHash)
  if (issuedTokens.filter?.full && !issuedTokens.reading && !issuedTokens.scheduled && feed) {
    buildIssuedTokensSoon(0)
  }
}

/** Forgets the filter (tests; a process stopping). */
export function forgetIssuedTokens() {
  issuedTokens.filter = null
  issuedTokens.building = null
  issuedTokens.reading = false
}

/**
 * The change feed of this process: where it reads from next (epoch ms),
 * the rows already handled in the overlap (token hash → `updated_at` as
 * read, so a row re-read is not forgotten again), its timer, and when a
 * read last failed (warnings at most once a minute).
 */
let feed: {
  since: number
  handled: Map<string, number>
  timer: NodeJS.Timeout
  reading: boolean
  warnedAt: number
} | null = null

function startChangeFeed() {
  const timer = setInterval(() => {
    if (!feed || feed.reading) return
    feed.reading = true
    pollVerificationChanges()
      .catch((error) => feedFailed(error))
      .finally(() => {
        if (feed) feed.reading = false
      })
  }, verification.certificates.changesPollMs)
  timer.unref()
  feed = {
    since: Date.now() - verification.certificates.changesOverlapMs,
    handled: new Map(),
    timer,
    reading: false,
    warnedAt: 0,
  }
}

/**
 * A read that failed (the database down or locked): what is kept can no
 * longer be vouched for, so it is all forgotten (the next requests read the
 * database, or fail as it does); the read is tried again at the next tick.
 */
function feedFailed(error: unknown) {
  certificates.clear()
  forgetRowsAhead()
  if (!feed || Date.now() - feed.warnedAt < 60_000) return
  feed.warnedAt = Date.now()
  logger.warn(
    { err: error },
    'verification change feed: read failed; certificates are read afresh until it works'
  )
}

/** Stops reading the change feed (a process stopping; tests). */
export function stopVerificationChangeFeed() {
  if (feed) clearInterval(feed.timer)
  feed = null
  forgetIssuedTokens()
  forgetReadAhead()
}

app.terminating(() => stopVerificationChangeFeed())

const FEED_PAGE = 5_000

/**
 * Reads the certificates changed since the last read (less the overlap)
 * and forgets them here, each change once; returns how many rows it read.
 * Pages go by (`updated_at`, token hash), the order of their index, so any
 * number of rows sharing one `updated_at` (a bulk expiry) is read through.
 * The next read starts `changesOverlapMs` before this one began, by this
 * host's clock: a change committed late, or stamped by a clock a little
 * behind, is still seen; one stamped in the future is read until its time
 * has passed. The timer calls it every `changesPollMs`; tests call it as
 * another host's change would need.
 */
export async function pollVerificationChanges(since = feed?.since ?? 0, pageSize = FEED_PAGE) {
  const began = Date.now()
  const client = db.connection()
  const handled = feed?.handled
  let cursor: { at: unknown; hash: string } | null = null
  let read = 0
  for (;;) {
    const query = client
      .from('certificates')
      .select('verification_token_hash', 'updated_at')
      .orderBy([
        { column: 'updated_at', order: 'asc' },
        { column: 'verification_token_hash', order: 'asc' },
      ])
      .limit(pageSize)
    if (cursor) {
      pastChangeCursor(query, cursor, '>')
    } else {
      query.where(
        'updated_at',
        '>=',
        dbTimestamp(client, DateTime.fromMillis(since, { zone: 'utc' }))
      )
    }
    const rows: { verification_token_hash: string; updated_at: unknown }[] = await query
    for (const row of rows) {
      const stamp = epochMs(row.updated_at)
      if (handled?.get(row.verification_token_hash) === stamp) continue
      noteIssued(row.verification_token_hash)
      forget(row.verification_token_hash)
      handled?.set(row.verification_token_hash, stamp)
    }
    read += rows.length
    if (rows.length < pageSize) break
    const last = rows[rows.length - 1]
    // A cursor that did not move (timestamps finer than a JS Date) ends the read rather than loop.
    if (
      cursor &&
      cursor.hash === last.verification_token_hash &&
      epochMs(cursor.at) === epochMs(last.updated_at)
    )
      break
    cursor = { at: last.updated_at, hash: last.verification_token_hash }
  }
  if (feed && handled) {
    feed.since = began - verification.certificates.changesOverlapMs
    for (const [hash, stamp] of handled) if (stamp < feed.since) handled.delete(hash)
  }
  return read
}

/**
 * Rows past a cursor in the change feed's index order (`updated_at`, token hash): after it
 * (`>`, the feed) or before it (`<`, the read-ahead, newest first).
 */
export function pastChangeCursor<Q extends { where: (...args: any[]) => any }>(
  query: Q,
  cursor: { at: unknown; hash: string },
  direction: '>' | '<'
) {
  const { at, hash } = cursor
  query.where((past: any) =>
    past
      .where('updated_at', direction, at as string)
      .orWhere((same: any) =>
        same.where('updated_at', at as string).where('verification_token_hash', direction, hash)
      )
  )
  return query
}

/** A timestamp column as read (SQLite text in UTC, PostgreSQL a Date) in epoch ms. */
function epochMs(value: unknown) {
  if (value instanceof Date) return value.getTime()
  const text = String(value)
  const parsed = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`)
  return Number.isNaN(parsed) ? 0 : parsed
}

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

onSiblings(CHANNEL, (tokenHash) => forget(tokenHash as string))

/** Forgets the certificate here and in the other web processes of this host (call it after the commit). */
export function forgetVerifiedCertificate(tokenHash: string) {
  forget(tokenHash)
  tellSiblings(CHANNEL, tokenHash)
}

/** Forgets it in this process only: a save still inside its transaction (the commit tells the others). */
export function forgetVerifiedCertificateHere(tokenHash: string) {
  forget(tokenHash)
}
