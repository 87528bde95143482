import env from '#start/env'

/**
 * Throttles of public verification (`/v/:token`, `/api/v1/verify`, `/verify`),
 * counted in each process's memory (no database write per request), per
 * minute. A token carries 192 bits, so guessing one is hopeless: what is
 * throttled is what an attacker needs (lookups that miss, uploads that make
 * us hash megabytes), not what a graduate does. A whole campus behind one
 * address scanning at a convocation stays far under the hit limits.
 *
 * With several web processes each counts for itself: the limits an address
 * meets are these times the number of processes (say so in ARCHITECTURE.md
 * when you change them).
 */
const verificationThrottle = {
  /** Certificates found, per address: a campus NAT at a convocation. */
  hitsPerIp: env.get('VERIFY_HITS_PER_IP_PER_MINUTE', 6_000),
  /** Views of one certificate, from anywhere: a ceiling on hot-linking a page or its PDF. */
  hitsPerCertificate: env.get('VERIFY_HITS_PER_CERTIFICATE_PER_MINUTE', 300),
  /** Unknown tokens and PDFs that match nothing, per address. */
  missesPerIp: env.get('VERIFY_MISSES_PER_IP_PER_MINUTE', 30),
  /** PDFs checked (`/verify`, `POST /api/v1/verify/pdf`), per address: each is hashed in full. */
  uploadsPerIp: env.get('VERIFY_UPLOADS_PER_IP_PER_MINUTE', 10),
}

export default verificationThrottle
