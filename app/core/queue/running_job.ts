import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import queue from '#config/queue'
import { dbTimestamp } from '#core/services/database_time'
import type { ClaimedRow } from '#core/queue/claim'

/** A completed job's row: finished now, its lease released. */
export function completedColumns(now: string) {
  return {
    state: 'completed',
    lease_owner: null,
    lease_token: null,
    lease_expires_at: null,
    finished_at: now,
    updated_at: now,
  }
}

export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`The lease on queue job ${jobId} was lost; another worker owns it now`)
    this.name = 'LeaseLostError'
  }
}

/** Rows changed by a query-builder update, as both engines report it. */
export function affectedRows(result: unknown) {
  return Array.isArray(result) ? Number(result[0] ?? 0) : Number(result)
}

/**
 * A job claimed by this worker: its payload, and the lease that lets it
 * write. `fence(trx)` renews the lease inside the caller's transaction and
 * throws `LeaseLostError` when another worker owns the job now, so nothing
 * after it commits; on SQLite that first write is also what makes the
 * transaction take the write lock before it reads.
 */
export class RunningJob<P = unknown> {
  readonly id: string
  readonly kind: string
  readonly payload: P
  readonly organizationId: string | null
  readonly subjectId: string | null
  /** This attempt's number, from 1. */
  readonly attempt: number
  readonly maxAttempts: number
  readonly leaseToken: string
  /** Set by the heartbeat when a renewal found the lease gone. */
  lost = false
  /** Set by `complete(trx)`; the worker then has nothing left to record. */
  settled = false

  constructor(row: ClaimedRow) {
    this.id = row.id
    this.kind = row.kind
    this.payload = row.payload as P
    this.organizationId = row.organizationId
    this.subjectId = row.subjectId
    this.attempt = row.attempts
    this.maxAttempts = row.maxAttempts
    this.leaseToken = row.leaseToken
  }

  /** This job's row while this run still holds its lease (none when the lease was lost or taken over). */
  leasedRow(client: QueryClientContract = db.connection()) {
    return client
      .from('queue_jobs')
      .where('id', this.id)
      .where('lease_token', this.leaseToken)
      .where('state', 'executing')
  }

  /** Renews the lease; throws when it was lost (fencing what follows in `client`'s transaction). */
  async fence(client: QueryClientContract = db.connection()) {
    if (this.lost) throw new LeaseLostError(this.id)
    const now = DateTime.utc()
    const updated = await this.leasedRow(client).update({
      lease_expires_at: dbTimestamp(client, now.plus({ seconds: queue.leaseSeconds })),
      updated_at: dbTimestamp(client, now),
    })
    if (affectedRows(updated) !== 1) {
      this.lost = true
      throw new LeaseLostError(this.id)
    }
  }

  /** Throws when the heartbeat found the lease gone: for long steps between transactions. */
  assertLeased() {
    if (this.lost) throw new LeaseLostError(this.id)
  }

  /**
   * Gives the job back unfinished (its worker is stopping): available at
   * once, its lease cleared and this attempt not counted, so the next
   * claim, by any worker, runs it as if this run had not begun. False when
   * the job was no longer this run's (it completed, or was taken over, in
   * the meantime). This run writes nothing afterwards: its next fence throws.
   */
  async release() {
    const client = db.connection()
    const now = dbTimestamp(client)
    const updated = await this.leasedRow(client).update({
      state: 'available',
      attempts: this.attempt - 1,
      run_at: now,
      lease_owner: null,
      lease_token: null,
      lease_expires_at: null,
      updated_at: now,
    })
    const released = affectedRows(updated) === 1
    if (released) this.lost = true
    return released
  }

  /** Marks the job completed in the handler's last transaction (fenced), so its writes and its end commit together. */
  async complete(client: QueryClientContract) {
    await this.fence(client)
    const now = dbTimestamp(client)
    await client.from('queue_jobs').where('id', this.id).update(completedColumns(now))
    this.settled = true
  }
}
