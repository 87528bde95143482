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

type Row = Record<string, unknown>

/**
 * The row each token last read, and the certificate made of it. When an
 * entry above has lapsed and the row is read again unchanged (the common
 * case: a certificate's public columns rarely change), the same object is
 * used again, and with it its view and its drawn page (both kept per
 * object): a re-read costs one indexed select, not a model hydrated, its
 * dates parsed and its page drawn. A row that differs in any column makes
 * a new object, so nothing shown outlives a change. At most
 * `rowsKept`, the least recently read leave first.
 */
const lastRead = new Map<string, { row: Row; certificate: VerifiedCertificate }>()

function sameRow(kept: Row, read: Row) {
  for (const key of Object.keys(read)) {
    const a = kept[key]
    const b = read[key]
    if (a === b) continue
    if (a instanceof Date && b instanceof Date && a.getTime() === b.getTime()) continue
    return false
  }
  return Object.keys(kept).length === Object.keys(read).length
}

/** The certificate of a row just read: the object made of the same row last time, or a new one. */
export function certificateOfRow(
  tokenHash: string,
  row: Row,
  make: (row: Row) => VerifiedCertificate
): VerifiedCertificate {
  const kept = lastRead.get(tokenHash)
  if (kept) lastRead.delete(tokenHash)
  const certificate = kept && sameRow(kept.row, row) ? kept.certificate : make(row)
  if (lastRead.size >= verification.certificates.rowsKept) {
    lastRead.delete(lastRead.keys().next().value!)
  }
  lastRead.set(tokenHash, { row, certificate })
  return certificate
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
