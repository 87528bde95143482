import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type DeliveryMessage from '#deliveries/models/delivery_message'
import type { SecretType } from '#deliveries/services/providers'
import type {
  RenderedEmail,
  RenderedWhatsapp,
} from '#deliveries/services/delivery_template_rendering'

/**
 * What the send worker hands a channel's sender, and what the sender
 * answers. A sender only talks to its provider: the worker reserves the
 * throttle, writes the attempt row before calling and the outcome after,
 * and decides what an outcome means for the message (retry, fail, pause
 * the integration, fall back to email).
 */
export interface OutgoingCertificate {
  id: string
  certificateNumber: string
  title: string
  /** The PDF's bytes are read only by a sender that attaches them (email under the size limit). */
  fileId: string | null
  /** Where the PDF's bytes are (the file row read through the org; null: not rendered). */
  storageKey: string | null
  /** Its stored base when the file is an incremental update (#core/queries/org_files readDocument). */
  baseFileId: string | null
  sizeBytes: number | null
  sha256: string | null
  verificationUrl: string
  /** A signed, expiring, absolute HTTPS link to the PDF (WhatsApp's document header, email above the size limit). */
  downloadUrl: string
  /**
   * WhatsApp "by upload": the media id an earlier upload of this PDF through
   * the integration's number got, still good (#deliveries/services/whatsapp_media).
   */
  whatsappMediaId?: string | null
}

/** A PDF a sender uploaded to the provider on this attempt: the worker keeps its id with the outcome. */
export interface UploadedMedia {
  fileId: string
  phoneNumberId: string
  mediaId: string
  uploadedAtMs: number
}

export interface OutgoingMessage {
  message: DeliveryMessage
  /** Null: the platform's own email sender. */
  integration: DeliveryIntegration | null
  secrets: Partial<Record<SecretType, string>>
  /** Addresses the SSRF check approved for the integration's host; connect to the first. */
  addresses: string[]
  orgName: string
  recipientName: string
  /** The page listing all of this recipient's certificates of the job (download and verify). */
  recipientPageUrl: string
  certificates: OutgoingCertificate[]
  /** The template's variables filled for this recipient (#deliveries/services/delivery_template_rendering). */
  variables: Record<string, string>
  /** The one-click unsubscribe URL (email: `List-Unsubscribe`). */
  unsubscribeUrl: string | null
  /** The org's default template of the message's channel, filled with `variables` (the worker renders it). */
  email?: RenderedEmail
  whatsapp?: RenderedWhatsapp
}

/**
 * - `accepted`: the provider took the message; its id is stored before
 *   anything else happens.
 * - `transient`: network, 5xx, 429, WhatsApp 130429/131056: retried with
 *   backoff (after `retryAfterMs` when the provider said).
 * - `permanent`: bad address, not on WhatsApp (131026), template errors
 *   (132xxx): the message fails.
 * - `account`: the account cannot send at all (WhatsApp 131031/131042/368,
 *   token 190, SMTP auth): the integration pauses.
 * `code` is the provider's (`131026`, `smtp_550`, `http_503`,
 * `ECONNREFUSED`); `reason` a sentence an org's staff understand.
 * `uploaded`: a PDF uploaded on this attempt (WhatsApp "by upload"), kept
 * whatever became of the message, so its next attempt does not upload again.
 */
export type SendOutcome = (
  | { outcome: 'accepted'; providerMessageId: string }
  | {
      outcome: 'transient' | 'permanent' | 'account'
      code: string
      reason: string
      retryAfterMs?: number
    }
) & { uploaded?: UploadedMedia }

export type MessageSender = (outgoing: OutgoingMessage) => Promise<SendOutcome>
