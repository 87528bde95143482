import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type DeliveryMessage from '#deliveries/models/delivery_message'
import type { MessageProvider } from '#deliveries/services/delivery_status'
import type { MessageSender } from '#deliveries/services/message_senders'
import { sendEmail } from '#deliveries/services/email_sender'

/**
 * The sender of each provider, as the send worker picks it. Email (the
 * platform's, SMTP, and the HTTP providers through their own APIs) is
 * #deliveries/services/email_sender. WhatsApp Cloud API: `sendWhatsapp`
 * from #deliveries/services/whatsapp_sender, registered
 * here once that file is on this branch (`senders.whatsapp_cloud = sendWhatsapp`).
 * A provider without a sender fails its send job (its messages stay queued).
 */
export const senders: Partial<Record<MessageProvider, MessageSender>> = {
  platform: sendEmail,
  smtp: sendEmail,
  resend: sendEmail,
  mailgun: sendEmail,
  brevo: sendEmail,
  sendgrid: sendEmail,
}

/**
 * Called in the transaction that stores a provider's acceptance (the
 * message carries its `providerMessageId` by then). WhatsApp: at merge,
 * `whatsapp_cloud: (message, trx) => applyWaitingWhatsappStatuses(message, trx)`
 * from #deliveries/actions/record_whatsapp_statuses, which applies status
 * notifications that arrived before the id was stored.
 */
export const acceptedHooks: Partial<
  Record<
    MessageProvider,
    (message: DeliveryMessage, trx: TransactionClientContract) => Promise<unknown>
  >
> = {}
