import { randomBytes } from 'node:crypto'
import env from '#start/env'
import type Organization from '#orgs/models/organization'
import CreateDeliveryIntegration from '#deliveries/actions/create_delivery_integration'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { readSecrets } from '#deliveries/services/integration_secrets'
import { whatsappWebhookUrl } from '#deliveries/services/webhook_urls'

/*
| The demo org's delivery integrations: `npm start` runs two simulated
| providers beside the app (stand_ins/: a mail server with an inbox page, the
| WhatsApp Cloud API) and allow-lists them (OUTBOUND_ALLOWED_HOSTS); these
| point the demo org at them, named as simulated so nobody mistakes them for
| a real account. The WhatsApp values are the stand-in's defaults.
*/
export const DEMO_SMTP_PORT = () => env.get('DEMO_SMTP_PORT') ?? 2525
export const DEMO_WHATSAPP_PORT = () => env.get('DEMO_WHATSAPP_PORT') ?? 4010

export function demoIntegrations(orgName: string) {
  return [
    {
      channel: 'email' as const,
      provider: 'smtp' as const,
      name: 'Simulated mail server (demo)',
      settings: {
        host: '127.0.0.1',
        port: DEMO_SMTP_PORT(),
        security: 'none',
        from_email: 'certificates@demo.test',
        from_name: orgName,
      },
      secrets: {},
    },
    {
      channel: 'whatsapp' as const,
      provider: 'whatsapp_cloud' as const,
      name: 'Simulated WhatsApp (demo)',
      settings: {
        phone_number_id: '106540352242922',
        waba_id: '102290129340398',
        display_phone_number: '15550783881',
        api_base_url: `http://127.0.0.1:${DEMO_WHATSAPP_PORT()}`,
        api_version: 'v21.0',
        template_name: 'certificate_issued',
        template_language: 'en',
        body_parameters: ['recipient_name', 'course_name', 'recipient_page_url'],
      },
      secrets: {
        access_token: 'standin-access-token',
        app_secret: 'standin-app-secret',
        verify_token: randomBytes(12).toString('base64url'),
      },
    },
  ]
}

/** Creates them through the real action; returns why not for each that was refused (e.g. not allow-listed). */
export async function createDemoIntegrations(org: Organization, ownerId: string) {
  const refused: string[] = []
  for (const integration of demoIntegrations(org.name)) {
    const result = await CreateDeliveryIntegration.handle({
      org,
      actorUserId: ownerId,
      ...integration,
      isDefault: true,
    })
    if (result.kind === 'host_not_allowed') refused.push(`${integration.name}: ${result.reason}`)
    else if (result.kind !== 'created') refused.push(`${integration.name}: ${result.kind}`)
  }
  return refused
}

/**
 * Meta's "configure webhook" step, done for the demo: every WhatsApp
 * integration pointed at the simulated Cloud API that `npm start` runs is
 * subscribed there to its webhook URL on this app (the stand-in checks it
 * with the verify-token handshake, then posts signed statuses to it), so a
 * demo delivery's funnel fills to "read". Returns a line per integration.
 */
export async function subscribeDemoWebhooks() {
  const base = `http://127.0.0.1:${DEMO_WHATSAPP_PORT()}`
  const integrations = await DeliveryIntegration.query()
    .where('provider', 'whatsapp_cloud')
    .whereNull('deleted_at')
  const lines: string[] = []
  for (const integration of integrations) {
    if (String(integration.config.api_base_url ?? '').replace(/\/+$/, '') !== base) continue
    const secrets = await readSecrets(integration)
    const callback = whatsappWebhookUrl(integration.id)
    try {
      const response = await fetch(`${base}/_standin/subscription`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          callback_url: callback,
          verify_token: secrets.verify_token,
          app_secret: secrets.app_secret,
        }),
        signal: AbortSignal.timeout(10_000),
      })
      const answer = (await response.json()) as { error?: string }
      lines.push(
        response.ok
          ? `${integration.displayName}: statuses are posted to ${callback}`
          : `${integration.displayName}: not subscribed (${answer.error ?? `HTTP ${response.status}`})`
      )
    } catch (error) {
      lines.push(
        `${integration.displayName}: the simulated WhatsApp at ${base} did not answer (${(error as Error).message})`
      )
    }
  }
  return lines
}
