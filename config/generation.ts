import env from '#start/env'

/**
 * Certificate issuance. Jobs are cut into chunks of recipients, each one
 * job of the core queue (config/queue.ts: leases, workers, backoff; see
 * ARCHITECTURE.md, "Generation" and "Queue").
 */
const generation = {
  /** Recipients per chunk (each chunk shares one base document per template). */
  chunkSize: env.get('GENERATION_CHUNK_SIZE', 250),
  /** Claims of one chunk before it is marked failed (a chunk that kills its worker every time). */
  maxAttempts: env.get('GENERATION_MAX_ATTEMPTS', 10),
  /** Chunks of one organization issued at once, across all workers: one org's big job leaves room for others. */
  chunksPerOrg: env.get('GENERATION_CHUNKS_PER_ORG', 8),
  /** Recipients × templates per job at most. */
  maxItems: 400_000,
  /** Templates per job. */
  maxTemplates: 4,
}

export default generation
