import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import queue from '#config/queue'
import { dbTimestamp } from '#core/services/database_time'
import { claimNext } from '#core/queue/claim'
import QueueJob from '#core/queue/queue_job'
import { Queue, backoffMs } from '#core/queue/queue'
import { jobKind, registeredKinds } from '#core/queue/registry'
import { LeaseLostError, RunningJob, affectedRows, completedColumns } from '#core/queue/running_job'
import { settledBy } from '#core/services/graceful_stop'

export type JobOutcome = 'completed' | 'retrying' | 'failed' | 'lost'

export interface WorkerOptions {
  /** Jobs run at once (default: `config/queue.ts` lanes). */
  lanes?: number
  /** Stop when no job is claimable (tests, `queue:work --once`). */
  exitWhenIdle?: boolean
}

/**
 * Runs one claimed job: its handler with the lease renewed every third of
 * its length, then the job settled (completed, back to available after a
 * backoff, or a dead letter) by the lease holder only.
 */
export async function runJob(job: RunningJob): Promise<JobOutcome> {
  const kind = jobKind(job.kind)
  const heartbeat = setInterval(
    () => {
      job.fence().catch((error) => {
        if (error instanceof LeaseLostError) job.lost = true
      })
    },
    Math.max(250, (queue.leaseSeconds * 1000) / 3)
  )
  try {
    if (!kind) throw new Error(`No handler for queue job kind "${job.kind}"`)
    await kind.definition.perform(job)
  } catch (error) {
    if (error instanceof LeaseLostError) return 'lost'
    return recordFailure(job, error)
  } finally {
    clearInterval(heartbeat)
  }
  if (job.settled) return 'completed'
  const now = dbTimestamp()
  const updated = await job.leasedRow().update(completedColumns(now))
  return affectedRows(updated) === 1 ? 'completed' : 'lost'
}

/**
 * Back to available after a backoff, or a dead letter after the last
 * attempt (the kind's `failed` hook in the same transaction).
 */
async function recordFailure(job: RunningJob, error: unknown): Promise<JobOutcome> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 900)
  const final = job.attempt >= job.maxAttempts
  try {
    return await db.transaction(async (trx) => {
      const now = DateTime.utc()
      const updated = await job.leasedRow(trx).update({
        state: final ? 'failed' : 'available',
        run_at: dbTimestamp(trx, final ? now : now.plus({ milliseconds: backoffMs(job.attempt) })),
        lease_owner: null,
        lease_token: null,
        lease_expires_at: null,
        last_error: message,
        finished_at: final ? dbTimestamp(trx, now) : null,
        updated_at: dbTimestamp(trx, now),
      })
      if (affectedRows(updated) !== 1) return 'lost'
      if (final) {
        const dead = await QueueJob.query({ client: trx }).where('id', job.id).firstOrFail()
        await jobKind(job.kind)?.definition.failed?.(trx, dead)
      }
      logger.warn(
        { err: error, job: job.id, kind: job.kind, attempt: job.attempt },
        final ? 'queue job failed for good' : 'queue job failed; it will be retried'
      )
      return final ? 'failed' : 'retrying'
    })
  } catch (recordError) {
    // The lease runs out and the job is claimed again: nothing is lost by not recording this attempt.
    logger.error({ err: recordError, job: job.id }, 'could not record a queue job failure')
    return 'lost'
  }
}

/**
 * A queue worker: `lanes` loops, each claiming one job at a time of any
 * registered kind and running it. An idle lane sleeps until the next poll,
 * or until work is enqueued in this process (`Queue.notify()`).
 */
export class QueueWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  private running = false
  /** Set when a stop's deadline has passed: a job claimed from then on is given back at once. */
  private givingBack = false
  /** Jobs this worker gave back unfinished when it stopped. */
  givenBack = 0
  private lanes: Promise<void>[] = []
  private readonly inHand = new Set<RunningJob>()
  private unsubscribe: (() => void) | null = null
  private readonly sleepers = new Set<() => void>()
  private readonly wake = () => {
    for (const wake of this.sleepers) wake()
  }

  constructor(private readonly options: WorkerOptions = {}) {}

  start() {
    if (this.running) return
    this.running = true
    this.givingBack = false
    this.unsubscribe = Queue.onWork(this.wake)
    const count = this.options.lanes ?? queue.lanes
    this.lanes = Array.from({ length: count }, () => this.lane())
  }

  /** Resolves when every lane has stopped (after `stop`, or when idle with `exitWhenIdle`). */
  async finished() {
    await Promise.all(this.lanes)
  }

  /**
   * Claims nothing more. Without a deadline, resolves when the jobs in hand
   * have run to their end. With one (epoch ms), they may run until then;
   * those still running are then given back (`RunningJob.release`:
   * available at once, the attempt not counted) and this resolves without
   * waiting for their runs, which write nothing more and end at their next
   * fence (or when the caller ends what they wait on, e.g. the rendering
   * threads). `givenBack` counts them.
   */
  async stop(options: { deadline?: number } = {}): Promise<void> {
    this.running = false
    this.wake()
    this.unsubscribe?.()
    this.unsubscribe = null
    if (options.deadline === undefined) return this.finished()
    if (await settledBy(this.finished(), options.deadline)) return
    this.givingBack = true
    await Promise.all([...this.inHand].map((job) => this.giveBack(job)))
  }

  private async giveBack(job: RunningJob) {
    try {
      if (!(await job.release())) return
      this.givenBack++
      logger.info({ job: job.id, kind: job.kind }, 'queue job given back (stopping)')
    } catch (error) {
      // The lease runs out and the job is claimed again; only that wait is lost.
      logger.error({ err: error, job: job.id }, 'could not give a queue job back')
    }
  }

  private async lane() {
    while (this.running) {
      let job: RunningJob | null = null
      try {
        const row = await claimNext(this.owner, registeredKinds())
        job = row && new RunningJob(row)
      } catch (error) {
        logger.error({ err: error }, 'could not claim a queue job')
      }
      if (job) {
        this.inHand.add(job)
        try {
          // Claimed as the stop's deadline passed: back to the queue unstarted.
          if (this.givingBack) await this.giveBack(job)
          else await runJob(job)
        } finally {
          this.inHand.delete(job)
        }
        continue
      }
      if (this.options.exitWhenIdle || !this.running) break
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.sleepers.delete(done)
          resolve()
        }
        const timer = setTimeout(done, queue.pollMs)
        this.sleepers.add(done)
      })
    }
  }

  /** Every claimable job run, then stop: for tests and one-off runs. */
  static async drain(options: Omit<WorkerOptions, 'exitWhenIdle'> = {}) {
    const worker = new QueueWorker({ ...options, exitWhenIdle: true })
    worker.start()
    await worker.finished()
    // Lanes that found nothing left stop without unsubscribing from wake-ups.
    await worker.stop()
  }
}
