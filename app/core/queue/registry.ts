import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type QueueJob from '#core/queue/queue_job'
import type { RunningJob } from '#core/queue/running_job'

/**
 * What a module tells the queue about one kind of job. Modules define their
 * kinds (`defineJob`) in a file that start/queue.ts imports, so every
 * process knows every kind before its worker claims anything; the queue
 * itself imports no module.
 */
export interface JobDefinition<P> {
  /**
   * Does the work. Throwing fails the attempt (retried with backoff, a dead
   * letter after the last). Every transaction that writes starts with
   * `job.fence(trx)`, so a worker whose lease was lost writes nothing; a
   * handler may also settle the job in its last transaction with
   * `job.complete(trx)`.
   */
  perform(job: RunningJob<P>): Promise<void>
  /** Attempts before the job is a dead letter (read when enqueued); the queue's default otherwise. */
  maxAttempts?: () => number
  /** At most `limit` jobs of `key` execute at once (e.g. per organization); none by default. */
  concurrency?: (payload: P, organizationId: string | null) => { key: string; limit: number } | null
  /** In the transaction that makes the job a dead letter. */
  failed?: (trx: TransactionClientContract, job: QueueJob<P>) => Promise<void>
  /** In the transaction that makes dead letters available again (`queue:retry`, a module's retry). */
  retried?: (trx: TransactionClientContract, jobs: QueueJob<P>[]) => Promise<void>
}

export interface JobKind<P> {
  readonly kind: string
  readonly definition: JobDefinition<P>
}

const kinds = new Map<string, JobKind<any>>()

export function defineJob<P>(kind: string, definition: JobDefinition<P>): JobKind<P> {
  const existing = kinds.get(kind)
  if (existing && existing.definition !== definition)
    throw new Error(`Queue job kind "${kind}" is defined twice`)
  const defined = { kind, definition }
  kinds.set(kind, defined)
  return defined
}

export function jobKind(kind: string): JobKind<unknown> | undefined {
  return kinds.get(kind)
}

export function registeredKinds() {
  return [...kinds.keys()]
}
