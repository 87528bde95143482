import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type DeliveryMessage from '#deliveries/models/delivery_message'
import type { MessageProvider } from '#deliveries/services/delivery_status'
import type { MessageSender } from '#deliveries/services/message_senders'
import { applyWaitingEmailEventsOf } from '#deliveries/actions/record_email_provider_events'
import { applyWaitingWhatsappStatusesOf } from '#deliveries/actions/record_whatsapp_statuses'
import { sendEmail } from '#deliveries/services/email_sender'
import { sendWhatsapp } from '#deliveries/services/whatsapp_sender'

/**
 * The sender of each provider, as the send worker picks it. Email (the
 * platform's, SMTP, and the HTTP providers through their own APIs) is
 * #deliveries/services/email_sender; WhatsApp Cloud API is `sendWhatsapp`
 * (#deliveries/services/whatsapp_sender).
 */
export const senders: Partial<Record<MessageProvider, MessageSender>> = {
  platform: sendEmail,
  smtp: sendEmail,
  resend: sendEmail,
  mailgun: sendEmail,
  brevo: sendEmail,
  sendgrid: sendEmail,
  whatsapp_cloud: sendWhatsapp,
}

/**
 * Called in the transaction that stores providers' acceptances, with the
 * messages accepted (each carries its `providerMessageId` by then). WhatsApp: the status
 * notifications that arrived before the id was stored (and matched nothing
 * then) apply now; so do the HTTP email providers' events.
 */
export const acceptedHooks: Partial<
  Record<
    MessageProvider,
    (messages: DeliveryMessage[], trx: TransactionClientContract) => Promise<unknown>
  >
> = {
  whatsapp_cloud: (messages, trx) => applyWaitingWhatsappStatusesOf(messages, trx),
  resend: applyWaitingEmailEventsOf,
  mailgun: applyWaitingEmailEventsOf,
  sendgrid: applyWaitingEmailEventsOf,
  brevo: applyWaitingEmailEventsOf,
}
