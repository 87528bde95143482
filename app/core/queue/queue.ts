import { EventEmitter } from 'node:events'
import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { v7 as uuidv7 } from 'uuid'
import queue from '#config/queue'
import { dbTimestamp } from '#core/services/database_time'
import QueueJob from '#core/queue/queue_job'
import { type JobKind, jobKind } from '#core/queue/registry'

export interface EnqueueOptions {
  /** The job's id; a module may reuse the id of the row the job works on. */
  id?: string
  organizationId?: string | null
  /** The record the job works for: `release`, `cancel` and `retry` can address all its jobs. */
  subjectId?: string | null
  /** Held jobs wait for `release`. */
  held?: boolean
  runAt?: DateTime
}

/** Which jobs an operation addresses: some ids, or every job of a kind for one subject. */
export type JobSelector = { ids: string[] } | { kind: JobKind<any>; subjectId: string }

/** In-process wake-up: work enqueued or released in this process wakes its idle workers at once. */
const wakeUps = new EventEmitter()
wakeUps.setMaxListeners(64)

/** Delay before attempt `attempt + 1`: exponential from `backoffMs`, capped, with ±50 % jitter. */
export function backoffMs(attempt: number, random = Math.random()) {
  const exponential = Math.min(queue.backoffCapMs, queue.backoffMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exponential * (0.5 + random))
}

function selecting(client: QueryClientContract, selector: JobSelector) {
  const query = client.from('queue_jobs')
  if ('ids' in selector) return query.whereIn('id', selector.ids)
  return query.where('kind', selector.kind.kind).where('subject_id', selector.subjectId)
}

/**
 * The one work queue (ARCHITECTURE.md "Queue"). Writes take the caller's
 * transaction, so a job exists exactly when the rows it works on do; call
 * `notify()` after that transaction commits to wake this process's workers.
 */
export const Queue = {
  async enqueue<P>(
    trx: TransactionClientContract,
    kind: JobKind<P>,
    payload: P,
    options: EnqueueOptions = {}
  ) {
    const [id] = await this.enqueueMany(trx, kind, [{ payload, ...options }])
    return id
  },

  /** Many jobs of one kind in a few multi-row inserts; returns their ids in order. */
  async enqueueMany<P>(
    trx: TransactionClientContract,
    kind: JobKind<P>,
    jobs: Array<EnqueueOptions & { payload: P }>
  ) {
    const now = DateTime.utc()
    const stamp = dbTimestamp(trx, now)
    const maxAttempts = kind.definition.maxAttempts?.() ?? queue.maxAttempts
    const rows = jobs.map((job) => {
      const organizationId = job.organizationId ?? null
      const concurrency = kind.definition.concurrency?.(job.payload, organizationId) ?? null
      return {
        id: job.id ?? uuidv7(),
        kind: kind.kind,
        payload: JSON.stringify(job.payload),
        organization_id: organizationId,
        subject_id: job.subjectId ?? null,
        concurrency_key: concurrency?.key ?? null,
        concurrency_limit: concurrency?.limit ?? null,
        state: job.held ? 'held' : 'available',
        attempts: 0,
        max_attempts: maxAttempts,
        run_at: job.runAt ? dbTimestamp(trx, job.runAt) : stamp,
        created_at: stamp,
        updated_at: stamp,
      }
    })
    for (let at = 0; at < rows.length; at += 200)
      await trx.table('queue_jobs').multiInsert(rows.slice(at, at + 200))
    return rows.map((row) => row.id)
  },

  /** Held jobs become available now; returns how many. */
  async release(trx: TransactionClientContract, selector: JobSelector) {
    const now = dbTimestamp(trx)
    return Number(
      await selecting(trx, selector)
        .where('state', 'held')
        .update({ state: 'available', run_at: now, updated_at: now })
    )
  },

  /** Jobs not yet begun are cancelled; an executing one runs to its end. Returns how many. */
  async cancel(trx: TransactionClientContract, selector: JobSelector) {
    const now = dbTimestamp(trx)
    return Number(
      await selecting(trx, selector)
        .whereIn('state', ['held', 'available'])
        .update({ state: 'cancelled', finished_at: now, updated_at: now })
    )
  },

  /**
   * Dead letters become available again with their attempts reset, each
   * kind's `retried` hook running in the same transaction. Returns them.
   */
  async retry(trx: TransactionClientContract, selector: JobSelector | { all: true }) {
    const query = QueueJob.query({ client: trx }).where('state', 'failed')
    if ('ids' in selector) query.whereIn('id', selector.ids)
    else if ('kind' in selector)
      query.where('kind', selector.kind.kind).where('subject_id', selector.subjectId)
    const jobs = await query.orderBy('id', 'asc')
    if (jobs.length === 0) return jobs
    const now = dbTimestamp(trx)
    for (let at = 0; at < jobs.length; at += 500)
      await trx
        .from('queue_jobs')
        .whereIn(
          'id',
          jobs.slice(at, at + 500).map((job) => job.id)
        )
        .update({
          state: 'available',
          attempts: 0,
          run_at: now,
          last_error: null,
          finished_at: null,
          updated_at: now,
        })
    const byKind = new Map<string, QueueJob[]>()
    for (const job of jobs) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), job])
    for (const [kind, ofKind] of byKind) await jobKind(kind)?.definition.retried?.(trx, ofKind)
    return jobs
  },

  /** Dead letters, newest first. */
  failed(limit = 100) {
    return QueueJob.query().where('state', 'failed').orderBy('finished_at', 'desc').limit(limit)
  },

  notify() {
    wakeUps.emit('work')
  },

  onWork(listener: () => void) {
    wakeUps.on('work', listener)
    return () => wakeUps.off('work', listener)
  },
}
