import { appKey, appUrl } from '#config/app'
import { derivedToken, safeEqual } from '#core/services/tokens'

/**
 * Email open tracking (off unless the org turns it on, Settings → Delivery):
 * an HTML email carries a 1×1 image whose URL names its message with an
 * unforgeable token (HMAC-SHA256 of the message id under APP_KEY, 192 bits,
 * never stored: `derivedToken`), so the public route that serves the image
 * needs no session and no stored token. The plain-text part carries
 * nothing. Many mail apps load images on their own (or a privacy proxy does)
 * and many block them, so an open is a hint that the mail was seen, never
 * proof either way.
 */
const PURPOSE = 'delivery-open'

function tokenOf(messageId: string) {
  return derivedToken(appKey.release(), PURPOSE, messageId)
}

/** The absolute URL of a message's tracking image; the same on every attempt (a retry sends the same bytes). */
export function openPixelUrl(messageId: string) {
  return `${appUrl}/deliveries/o/${messageId}.${tokenOf(messageId)}.gif`
}

/** The message id a tracking image's token names; null for anything forged, cut or malformed. */
export function openPixelMessageId(token: unknown): string | null {
  if (typeof token !== 'string' || token.length > 100) return null
  const match =
    /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{32})\.gif$/.exec(
      token
    )
  if (!match) return null
  return safeEqual(match[2], tokenOf(match[1])) ? match[1] : null
}

/** The image as it is placed at the end of the HTML part: 1×1, no alt text, never laid out. */
export function openPixelHtml(messageId: string) {
  return `<img src="${openPixelUrl(messageId)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`
}

/** A transparent 1×1 GIF (42 bytes): what the route answers, whatever the token. */
export const TRANSPARENT_GIF = Buffer.from(
  'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
  'base64'
)
