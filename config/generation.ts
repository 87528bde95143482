import env from '#start/env'

/**
 * Certificate issuance. Jobs are cut into chunks of recipients; a worker
 * claims one chunk at a time under a lease it renews while it works (see
 * ARCHITECTURE.md, "Generation").
 */
const generation = {
  /** Recipients per chunk (each chunk shares one base document per template). */
  chunkSize: env.get('GENERATION_CHUNK_SIZE', 250),
  /** A lease not renewed for this long is taken over by another worker. */
  leaseSeconds: env.get('GENERATION_LEASE_SECONDS', 60),
  /** Claims of one chunk before it is marked failed (a chunk that kills its worker every time). */
  maxAttempts: env.get('GENERATION_MAX_ATTEMPTS', 10),
  /** `npm start` runs a queue worker inside the web process unless this is `off`. */
  worker: env.get('GENERATION_WORKER', 'in-process'),
  /** How often an idle worker looks for work. */
  pollMs: 1000,
  /** Recipients × templates per job at most. */
  maxItems: 400_000,
  /** Templates per job. */
  maxTemplates: 4,
}

export default generation
