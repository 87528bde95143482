import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import queue from '#config/queue'
import { dbTimestamp } from '#core/services/database_time'
import { rowsOf } from '#core/services/bulk_insert'

export interface ClaimedRow {
  id: string
  kind: string
  payload: unknown
  organizationId: string | null
  subjectId: string | null
  attempts: number
  maxAttempts: number
  leaseToken: string
}

/**
 * Claims the next job for `owner`, or null: the oldest due `available` job
 * of the given kinds, or an `executing` one whose lease ran out (its worker
 * died or hung), unless its concurrency key already has `limit` jobs
 * executing. The per-key count is read in the same statement; two workers
 * claiming the same key at the same instant on PostgreSQL can each see one
 * slot free, so a limit is exact on SQLite and may be passed by one per
 * racing worker on PostgreSQL.
 */
export async function claimNext(owner: string, kinds: string[]): Promise<ClaimedRow | null> {
  if (kinds.length === 0) return null
  const client = db.connection()
  const now = DateTime.utc()
  const at = (value: DateTime) => dbTimestamp(client, value)
  const token = randomBytes(16).toString('hex')
  const nowAt = at(now)
  const pick = `SELECT q.id FROM queue_jobs q
     WHERE q.kind IN (${kinds.map(() => '?').join(', ')})
       AND ((q.state = 'available' AND q.run_at <= ?) OR (q.state = 'executing' AND q.lease_expires_at < ?))
       AND (q.concurrency_key IS NULL OR q.concurrency_limit > (SELECT count(*) FROM queue_jobs r
         WHERE r.concurrency_key = q.concurrency_key AND r.state = 'executing' AND r.lease_expires_at >= ?))
     ORDER BY q.run_at ASC, q.id ASC LIMIT 1`
  // Raw SQL: one atomic claim needs FOR UPDATE SKIP LOCKED and UPDATE … RETURNING, beyond the query builder.
  const sql = `UPDATE queue_jobs SET state = 'executing', lease_owner = ?, lease_token = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
     WHERE id = (${client.dialect.name === 'postgres' ? `${pick} FOR UPDATE OF q SKIP LOCKED` : pick})
     RETURNING id, kind, payload, organization_id, subject_id, attempts, max_attempts`
  const result = await client.rawQuery(sql, [
    owner,
    token,
    at(now.plus({ seconds: queue.leaseSeconds })),
    nowAt,
    ...kinds,
    nowAt,
    nowAt,
    nowAt,
  ])
  const row = rowsOf<Record<string, any>>(result)[0]
  if (!row) return null
  return {
    id: row.id,
    kind: row.kind,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    organizationId: row.organization_id,
    subjectId: row.subject_id,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    leaseToken: token,
  }
}
