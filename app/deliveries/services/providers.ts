/**
 * What each provider of a delivery integration takes (API.md "Deliveries"):
 * its channel, its secrets, where its sender identity lives. Settings keys
 * are the API's; validators/delivery_integration.ts checks their shape.
 */
export const CHANNELS = ['email', 'whatsapp'] as const
export type Channel = (typeof CHANNELS)[number]

export const EMAIL_HTTP_PROVIDERS = ['resend', 'mailgun', 'brevo', 'sendgrid'] as const
export const PROVIDERS = ['smtp', ...EMAIL_HTTP_PROVIDERS, 'whatsapp_cloud'] as const
export type Provider = (typeof PROVIDERS)[number]
export type EmailHttpProvider = (typeof EMAIL_HTTP_PROVIDERS)[number]

export const SECRET_TYPES = [
  'password',
  'api_key',
  'access_token',
  'app_secret',
  'verify_token',
  'webhook_signing_key',
] as const
export type SecretType = (typeof SECRET_TYPES)[number]

export const PROVIDER_LABELS: Record<Provider, string> = {
  smtp: 'SMTP server',
  resend: 'Resend',
  mailgun: 'Mailgun',
  brevo: 'Brevo',
  sendgrid: 'SendGrid',
  whatsapp_cloud: 'WhatsApp Cloud API',
}

export const SECRET_LABELS: Record<SecretType, string> = {
  password: 'Password',
  api_key: 'API key',
  access_token: 'Access token',
  app_secret: 'App secret',
  verify_token: 'Webhook verify token',
  webhook_signing_key: 'Webhook signing key',
}

export function channelOf(provider: Provider): Channel {
  return provider === 'whatsapp_cloud' ? 'whatsapp' : 'email'
}

/**
 * The secrets a provider keeps, and which of them an integration cannot work without. `label` and
 * `hint` name a secret as that provider's dashboard does when it differs from `SECRET_LABELS`.
 * `webhook_signing_key` is whatever authenticates the provider's event webhook: Resend's and
 * Mailgun's HMAC key, SendGrid's verification key (a public key), Brevo's bearer token.
 */
export const PROVIDER_SECRETS: Record<
  Provider,
  { type: SecretType; required: boolean; label?: string; hint?: string }[]
> = {
  smtp: [{ type: 'password', required: false }],
  resend: [
    { type: 'api_key', required: true },
    { type: 'webhook_signing_key', required: false },
  ],
  mailgun: [
    { type: 'api_key', required: true },
    { type: 'webhook_signing_key', required: false },
  ],
  brevo: [
    { type: 'api_key', required: true },
    {
      type: 'webhook_signing_key',
      required: false,
      label: 'Webhook token',
      hint: 'A long random string you choose: Brevo sends it as a bearer token with every event.',
    },
  ],
  sendgrid: [
    { type: 'api_key', required: true },
    {
      type: 'webhook_signing_key',
      required: false,
      label: 'Webhook verification key',
      hint: 'The public key SendGrid shows under Mail Settings → Signed Event Webhook.',
    },
  ],
  whatsapp_cloud: [
    { type: 'access_token', required: true },
    { type: 'app_secret', required: true },
    { type: 'verify_token', required: true },
  ],
}

/** A secret's name as this provider's dashboard calls it. */
export function secretLabelOf(provider: Provider, type: SecretType) {
  return (
    PROVIDER_SECRETS[provider].find((entry) => entry.type === type)?.label ?? SECRET_LABELS[type]
  )
}

/** Where each HTTP provider's API is when `base_url` is not given (ours, so not checked for SSRF). */
export const DEFAULT_BASE_URLS: Record<EmailHttpProvider, string> = {
  resend: 'https://api.resend.com',
  mailgun: 'https://api.mailgun.net',
  brevo: 'https://api.brevo.com',
  sendgrid: 'https://api.sendgrid.com',
}
export const DEFAULT_GRAPH_API_BASE_URL = 'https://graph.facebook.com'

/**
 * How a WhatsApp integration hands Meta the certificate PDF of a template's
 * document header: `link` (Meta fetches our signed link; the default) or
 * `upload` (we upload it to `/media` and send its id: for servers Meta cannot reach).
 */
export const DOCUMENT_DELIVERIES = ['link', 'upload'] as const
export type DocumentDelivery = (typeof DOCUMENT_DELIVERIES)[number]

export type SmtpSecurity = 'none' | 'starttls' | 'tls'

export interface SmtpSettings {
  host: string
  port: number
  security: SmtpSecurity
  username?: string | null
  from_email: string
  from_name?: string | null
  reply_to?: string | null
  /** The envelope sender is the platform's bounce address; absent: on when the platform has one. */
  platform_bounces?: boolean | null
}

export interface EmailHttpSettings {
  base_url?: string | null
  domain?: string | null
  from_email: string
  from_name?: string | null
  reply_to?: string | null
}

export interface WhatsAppCloudSettings {
  phone_number_id: string
  waba_id: string
  display_phone_number: string
  api_base_url?: string | null
  api_version: string
  template_name: string
  template_language: string
  body_parameters: string[]
  daily_unique_recipients_tier?: number | null
  messages_per_second?: number | null
  /** An extension of API.md's settings (ARCHITECTURE "API extensions"); `link` when absent. */
  document_delivery?: DocumentDelivery | null
}

export type ProviderSettings = SmtpSettings | EmailHttpSettings | WhatsAppCloudSettings

/** Which setting holds a host or URL that is checked before any connection (SSRF), and how. */
export function outboundTargetOf(
  provider: Provider,
  settings: Record<string, unknown>
): { field: string; host: string; port: number } | { field: string; url: string } | null {
  if (provider === 'smtp') {
    return { field: 'host', host: String(settings.host), port: Number(settings.port) }
  }
  const field = provider === 'whatsapp_cloud' ? 'api_base_url' : 'base_url'
  const url = settings[field]
  return typeof url === 'string' && url !== '' ? { field, url } : null
}
