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
