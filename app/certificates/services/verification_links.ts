import { appKey, appUrl } from '#config/app'
import env from '#start/env'
import { derivedToken, hashToken } from '#core/services/tokens'

/**
 * A certificate's verification token is derived from its id under a server
 * key (`VERIFICATION_TOKEN_SECRET`, else `APP_KEY`): 192 bits, never stored
 * (only its SHA-256 is), yet the same every time it is needed again: a
 * retried render draws the same QR code, a delivery builds the same link.
 * Changing the key keeps existing links working (they are looked up by the
 * stored hash) but links built afterwards for old certificates would differ.
 */
const secret = () => env.get('VERIFICATION_TOKEN_SECRET') ?? appKey.release()

export function verificationToken(certificateId: string) {
  return derivedToken(secret(), 'certificate-verification', certificateId)
}

export function verificationTokenHash(certificateId: string) {
  return hashToken(verificationToken(certificateId))
}

/** `APP_URL/v/<token>`: what the certificate is verified at. */
export function verificationUrl(certificateId: string) {
  return `${appUrl}/v/${verificationToken(certificateId)}`
}

/** What the QR code holds: the verification URL flagged, so a scan can be told from a followed link. */
export function qrPayloadUrl(certificateId: string) {
  return `${verificationUrl(certificateId)}?via=qr`
}
