import env from '#start/env'

/**
 * The public verification path (`/v/:token`, `/api/v1/verify/:token`) at
 * convocation scale (ARCHITECTURE.md, "Verification"): views are written in
 * batches, certificates and their issuer's name and logo are kept in memory
 * for a few seconds, and the throttles count in memory.
 */
const verification = {
  events: {
    /** Longest a view waits in memory before it is written (the batch goes earlier when full). */
    flushIntervalMs: env.get('VERIFICATION_EVENTS_FLUSH_MS', 250),
    /** Views written together in one statement; a full batch is written at once. */
    batchSize: env.get('VERIFICATION_EVENTS_BATCH_SIZE', 500),
  },
  certificates: {
    /**
     * How long another process may show a certificate as it was (this one
     * forgets it when it is saved: a revocation shows on its next request).
     */
    ttlMs: env.get('VERIFICATION_CERTIFICATE_TTL_MS', 5_000),
    /** Certificates kept at most; the least recently verified leave first. */
    maxEntries: env.get('VERIFICATION_CERTIFICATE_CACHE_SIZE', 20_000),
    /**
     * Rows kept after their entry lapsed, with the certificate (and page)
     * made of them: a row read again unchanged reuses them. ~5 KB each.
     */
    rowsKept: 10_000,
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
