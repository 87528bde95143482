import { ExpiringCache } from '#core/services/expiring_cache'
import { onSiblings, tellSiblings } from '#core/services/web_cluster'
import type { VerifiedCertificate } from '#certificates/queries/verification'
import verification from '#config/verification'

/**
 * Certificates by the hash of their verification token, as the public
 * verification path reads them: a scan at a convocation costs no query when
 * the same certificate was verified in the last few seconds (its page, then
 * its PDF and logo; a crowd re-checking).
 *
 * What a visitor can be shown, and for how long:
 * - In this process, a certificate is forgotten when it is saved (revoked,
 *   superseded, corrected) once that transaction commits, so the next
 *   request reads it fresh: a revocation shows on the next request. A load
 *   under way when it is forgotten is not kept either.
 * - The other web processes of this host are told when that transaction
 *   commits (#core/services/web_cluster) and forget it too, a moment
 *   later. A process elsewhere (another host) keeps its copy
 *   `VERIFICATION_CERTIFICATE_TTL_MS` (5 s) at most. Expiry needs no forgetting: the public status is computed from
 *   `expires_at` at every request.
 * - "None found" is never kept: a certificate issued a moment ago (by a
 *   worker in another process) shows at once.
 *
 * The cached model is shared by every request: read it, never change it.
 * Code that changes certificates without saving the model (a bulk update)
 * calls `forgetVerifiedCertificate` after its commit.
 */
const certificates = new ExpiringCache<VerifiedCertificate | null>({
  ttlMs: verification.certificates.ttlMs,
  maxEntries: verification.certificates.maxEntries,
  keeps: (certificate) => certificate !== null,
})

export function verifiedCertificate(
  tokenHash: string,
  load: () => Promise<VerifiedCertificate | null>
) {
  return certificates.get(tokenHash, load)
}

const CHANNEL = 'certificates.verification.forget'

onSiblings(CHANNEL, (tokenHash) => certificates.delete(tokenHash as string))

/** Forgets the certificate here and in the other web processes of this host (call it after the commit). */
export function forgetVerifiedCertificate(tokenHash: string) {
  certificates.delete(tokenHash)
  tellSiblings(CHANNEL, tokenHash)
}

/** Forgets it in this process only: a save still inside its transaction (the commit tells the others). */
export function forgetVerifiedCertificateHere(tokenHash: string) {
  certificates.delete(tokenHash)
}
