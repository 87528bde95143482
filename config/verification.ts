import env from '#start/env'

/**
 * The public verification path (`/v/:token`, `/api/v1/verify/:token`) at
 * convocation scale (ARCHITECTURE.md, "Verification"): views are written in
 * batches, certificates are kept in memory until they change (a change feed
 * read every second), their issuer's name and logo for a few seconds, and
 * the throttles count in memory.
 */
const changesPollMs = env.get('VERIFICATION_CHANGES_POLL_MS', 1_000)

const verification = {
  events: {
    /** Longest a view waits in memory before it is written (the batch goes earlier when full). */
    flushIntervalMs: env.get('VERIFICATION_EVENTS_FLUSH_MS', 250),
    /** Views written together in one statement; a full batch is written at once. */
    batchSize: env.get('VERIFICATION_EVENTS_BATCH_SIZE', 500),
    /**
     * Who writes the batches on SQLite: `thread`, a thread with a connection of its own
     * (#core/services/sqlite_writer_thread: nothing on the web event loop), or `connection`,
     * the app's pool (the test suite, whose global transaction must hold every write).
     * PostgreSQL always writes through the pool (its driver is asynchronous).
     */
    writer: env.get('VERIFICATION_EVENTS_WRITER', 'thread'),
  },
  certificates: {
    /**
     * How often each process reads which certificates changed since it last
     * looked (any host's revocation, correction or expiry) and forgets them:
     * the bound on how long another host shows a certificate as it was. 0:
     * no change feed (the tests' default: they call `pollVerificationChanges`).
     */
    changesPollMs: changesPollMs,
    /**
     * How far back each read of changes looks again: a change written (with
     * its `updated_at`) before an earlier read but committed after it is
     * still seen, if its transaction took less than this.
     */
    changesOverlapMs: 5_000,
    /**
     * The longest a certificate is kept: the backstop behind the change
     * feed (a transaction longer than the overlap, a clock far off), or the
     * bound itself without a feed.
     */
    ttlMs: env.get('VERIFICATION_CERTIFICATE_TTL_MS', changesPollMs > 0 ? 60_000 : 5_000),
    /** Certificates kept at most; the least recently verified leave first. */
    maxEntries: env.get('VERIFICATION_CERTIFICATE_CACHE_SIZE', 20_000),
    /**
     * Rows kept after their entry lapsed, with the certificate (and page)
     * made of them: a row read again unchanged reuses them. ~5 KB each.
     */
    rowsKept: 10_000,
    /** Rows of the most recently changed certificates each process reads ahead (0: none). */
    readAheadRows: env.get('VERIFICATION_READ_AHEAD_ROWS', 10_000),
  },
  issuers: {
    /** How stale an issuer's name and logo may be in another process (this one forgets them on change); 0: no cache. */
    ttlMs: env.get('VERIFICATION_ISSUER_TTL_MS', 30_000),
    /** Orgs kept at most; the least recently verified leave first. */
    maxOrgs: 1_000,
  },
  /**
   * Throttles, counted in each process's memory, per minute. A token carries
   * 192 bits, so guessing one is hopeless: what is throttled is what an
   * attacker needs (lookups that miss, uploads that make us hash megabytes),
   * not what a graduate does. A whole campus behind one address scanning at
   * a convocation stays far under the hit limits. The limits are per
   * host: with several web processes (WEB_CONCURRENCY) each counts its
   * share of them.
   */
  throttle: {
    /** Certificates found, per address: a campus NAT at a convocation. */
    hitsPerIp: env.get('VERIFY_HITS_PER_IP_PER_MINUTE', 6_000),
    /** Views of one certificate, from anywhere: a ceiling on hot-linking a page or its PDF. */
    hitsPerCertificate: env.get('VERIFY_HITS_PER_CERTIFICATE_PER_MINUTE', 300),
    /** Unknown tokens and PDFs that match nothing, per address. */
    missesPerIp: env.get('VERIFY_MISSES_PER_IP_PER_MINUTE', 30),
    /** PDFs checked (`/verify`, `POST /api/v1/verify/pdf`), per address: each is hashed in full. */
    uploadsPerIp: env.get('VERIFY_UPLOADS_PER_IP_PER_MINUTE', 10),
  },
}

export default verification
