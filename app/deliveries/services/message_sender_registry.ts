import type { MessageProvider } from '#deliveries/services/delivery_status'
import type { MessageSender } from '#deliveries/services/message_senders'
import { sendEmail } from '#deliveries/services/email_sender'

/**
 * The sender of each provider, as the send worker picks it. Email (the
 * platform's, SMTP; the HTTP providers answer that they are not available
 * for deliveries yet) is #deliveries/services/email_sender. WhatsApp Cloud
 * API: `sendWhatsapp` from #deliveries/services/whatsapp_sender, registered
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
