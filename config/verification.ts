import env from '#start/env'

/**
 * The public verification path (`/v/:token`, `/api/v1/verify/:token`) at
 * convocation scale (ARCHITECTURE.md, "Verification"): views are written in
 * batches, and the issuer's name and logo are kept in memory for a while.
 */
const verification = {
  events: {
    /** Longest a view waits in memory before it is written (the batch goes earlier when full). */
    flushIntervalMs: env.get('VERIFICATION_EVENTS_FLUSH_MS', 250),
    /** Views written together in one statement; a full batch is written at once. */
    batchSize: env.get('VERIFICATION_EVENTS_BATCH_SIZE', 500),
  },
  issuers: {
    /** How stale an issuer's name and logo may be in another process (this one forgets them on change). */
    ttlMs: env.get('VERIFICATION_ISSUER_TTL_MS', 30_000),
    /** Orgs kept at most; the least recently verified leave first. */
    maxOrgs: 1_000,
  },
}

export default verification
