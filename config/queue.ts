import { cpus } from 'node:os'
import env from '#start/env'

/**
 * The work queue (app/core/queue, ARCHITECTURE.md "Queue"). Older
 * GENERATION_* names are still read: they predate the queue leaving the
 * certificates module.
 */
const queue = {
  /** `npm start` runs a worker inside the web process unless this is `off` (then run `node ace queue:work`). */
  worker: env.get('QUEUE_WORKER') ?? env.get('GENERATION_WORKER') ?? 'in-process',
  /** Jobs a worker runs at once; one per rendering thread by default, issuance being the heaviest kind. */
  lanes:
    env.get('QUEUE_LANES') ??
    env.get('GENERATION_THREADS') ??
    Math.max(1, Math.min(4, cpus().length)),
  /** A lease not renewed for this long is taken over by another worker (renewed every third of it). */
  leaseSeconds: env.get('QUEUE_LEASE_SECONDS') ?? env.get('GENERATION_LEASE_SECONDS') ?? 60,
  /** Attempts of a job before it is a dead letter, unless its kind says otherwise. */
  maxAttempts: env.get('QUEUE_MAX_ATTEMPTS', 10),
  /** First retry delay; doubled per attempt, capped, with ±50 % jitter. */
  backoffMs: env.get('QUEUE_BACKOFF_MS', 5_000),
  backoffCapMs: 3_600_000,
  /** How often an idle worker looks for work (a job enqueued in this process wakes it at once). */
  pollMs: 1000,
}

export default queue
