import { appUrl } from '#config/app'

/**
 * Where an org points its Meta app's webhook (the "Callback URL" in Meta's
 * dashboard, with the integration's verify token) for this integration:
 * the integration page shows it, the demo subscribes its stand-in to it.
 * (A string, not the router's builder: seeders and commands have no routes.)
 */
export function whatsappWebhookUrl(integrationId: string) {
  return `${appUrl}/webhooks/whatsapp/${integrationId}`
}

/** Where an org points its email provider's event webhook (Resend, Mailgun, SendGrid, Brevo): bounces, complaints. */
export function emailWebhookUrl(integrationId: string) {
  return `${appUrl}/webhooks/email/${integrationId}`
}

/** The webhook URL an integration's provider posts to, or null when its provider sends none we read. */
export function webhookUrlOf(integration: { id: string; provider: string }) {
  if (integration.provider === 'whatsapp_cloud') return whatsappWebhookUrl(integration.id)
  if (['resend', 'mailgun', 'sendgrid', 'brevo'].includes(integration.provider))
    return emailWebhookUrl(integration.id)
  return null
}
