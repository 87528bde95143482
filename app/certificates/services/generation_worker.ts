import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import { DateTime } from 'luxon'
import { rowsOf } from '#core/services/bulk_insert'
import generation from '#config/generation'
import ProcessChunk, {
  type ChunkOutcome,
  type ClaimedChunk,
  renewLease,
} from '#certificates/actions/process_chunk'
import { generationQueue } from '#certificates/services/generation_queue'
import SweepJobObjects from '#certificates/actions/sweep_job_objects'
import { renderThreads } from '#certificates/services/render_threads'
import { dbTimestamp } from '#core/services/database_time'

/**
 * A queue worker: claims chunks from the database and processes them, one
 * lane per rendering thread. Claiming is one statement: PostgreSQL picks
 * the oldest claimable chunk with `FOR UPDATE SKIP LOCKED` (so several
 * workers never wait on each other), SQLite's single writer makes the same
 * `UPDATE … RETURNING` atomic. A chunk is claimable when queued, or leased
 * with its lease run out (its worker died or hung). While a lane works it
 * renews the lease; if a renewal finds the lease gone the lane stops before
 * writing anything.
 */

export async function claimChunk(owner: string): Promise<ClaimedChunk | null> {
  const client = db.connection()
  const now = DateTime.utc()
  const at = (value: DateTime) => dbTimestamp(client, value)
  const token = randomBytes(16).toString('hex')
  const pick = `SELECT c.id FROM generation_job_chunks c JOIN certificate_generation_jobs j ON j.id = c.job_id
     WHERE (c.status = 'queued' OR (c.status = 'leased' AND c.lease_expires_at < ?)) AND j.status IN ('queued', 'processing', 'cancelled')
     ORDER BY c.created_at ASC, c.seq ASC LIMIT 1`
  const sql = `UPDATE generation_job_chunks SET status = 'leased', lease_owner = ?, lease_token = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
     WHERE id = (${client.dialect.name === 'postgres' ? `${pick} FOR UPDATE OF c SKIP LOCKED` : pick})
     RETURNING id, job_id, organization_id, seq, first_position, end_position, attempts`
  const result = await client.rawQuery(sql, [
    owner,
    token,
    at(now.plus({ seconds: generation.leaseSeconds })),
    at(now),
    at(now),
  ])
  const row = rowsOf<Record<string, any>>(result)[0]
  if (!row) return null
  return {
    id: row.id,
    jobId: row.job_id,
    organizationId: row.organization_id,
    seq: Number(row.seq),
    firstPosition: Number(row.first_position),
    endPosition: Number(row.end_position),
    attempts: Number(row.attempts),
    leaseToken: token,
  }
}

/** Processes one claimed chunk while renewing its lease every third of its length. */
export async function runClaimed(chunk: ClaimedChunk): Promise<ChunkOutcome> {
  const signal = { lost: false }
  const every = Math.max(250, (generation.leaseSeconds * 1000) / 3)
  const heartbeat = setInterval(() => {
    renewLease(db.connection(), chunk).catch(() => {
      signal.lost = true
    })
  }, every)
  let outcome: ChunkOutcome
  try {
    outcome = await ProcessChunk.handle(chunk, signal)
  } finally {
    clearInterval(heartbeat)
  }
  if (outcome !== 'lost') {
    // The last chunk of a job: sweep what failed attempts left in storage.
    const job = await db
      .from('certificate_generation_jobs')
      .where('id', chunk.jobId)
      .select('status')
      .first()
    if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) {
      await SweepJobObjects.handle({ id: chunk.jobId, organizationId: chunk.organizationId }).catch(
        (error) => logger.warn({ err: error, job: chunk.jobId }, 'could not sweep job objects')
      )
    }
  }
  return outcome
}

export interface WorkerOptions {
  /** Chunks processed at once (default: one per rendering thread). */
  lanes?: number
  /** Stop when no chunk is claimable (tests, `queue:work --once`). */
  exitWhenIdle?: boolean
}

export class GenerationWorker {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  private running = false
  private lanes: Promise<void>[] = []
  private readonly sleepers = new Set<() => void>()
  private readonly onWork = () => {
    for (const wake of this.sleepers) wake()
  }

  constructor(private readonly options: WorkerOptions = {}) {}

  start() {
    if (this.running) return
    this.running = true
    generationQueue.on('work', this.onWork)
    const count = this.options.lanes ?? renderThreads()
    this.lanes = Array.from({ length: count }, () => this.lane())
  }

  /** Resolves when every lane has stopped (after `stop`, or when idle with `exitWhenIdle`). */
  async finished() {
    await Promise.all(this.lanes)
  }

  async stop() {
    this.running = false
    this.onWork()
    generationQueue.off('work', this.onWork)
    await this.finished()
  }

  private async lane() {
    while (this.running) {
      let chunk: ClaimedChunk | null = null
      try {
        chunk = await claimChunk(this.owner)
      } catch (error) {
        logger.error({ err: error }, 'could not claim a generation chunk')
      }
      if (chunk) {
        const outcome = await runClaimed(chunk)
        if (outcome === 'failed')
          logger.warn(
            { chunk: chunk.id, job: chunk.jobId, attempts: chunk.attempts },
            'generation chunk failed'
          )
        continue
      }
      if (this.options.exitWhenIdle) break
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.sleepers.delete(done)
          resolve()
        }
        const timer = setTimeout(done, generation.pollMs)
        this.sleepers.add(done)
      })
    }
  }

  /** Every claimable chunk processed, then stop: for tests and one-off runs. */
  static async drain(options: Omit<WorkerOptions, 'exitWhenIdle'> = {}) {
    const worker = new GenerationWorker({ ...options, exitWhenIdle: true })
    worker.start()
    await worker.finished()
  }
}
