import type { DateTime } from 'luxon'
import { formatDateTime } from '#core/services/formatting'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import { bounceDomain } from '#deliveries/services/bounce_addresses'
import {
  PROVIDER_SECRETS,
  SECRET_LABELS,
  type Provider,
  type SecretType,
} from '#deliveries/services/providers'

/**
 * The settings page's form of a delivery integration: one flat field per
 * setting and secret (`host`, `password`), read back into the API's
 * `{ settings, secrets }` so both share one validator, and the validator's
 * field paths (`settings.host`) turned back into the form's names.
 */
export interface FormField {
  name: string
  label: string
  type: 'text' | 'number' | 'email' | 'url' | 'select' | 'checkbox'
  required: boolean
  hint?: string
  placeholder?: string
  options?: { value: string; label: string }[]
  /** Shown in a new form. */
  initial?: string
}

const SENDER_FIELDS: FormField[] = [
  {
    name: 'from_email',
    label: 'From address',
    type: 'email',
    required: true,
    placeholder: 'certificates@your-domain.org',
  },
  { name: 'from_name', label: 'From name', type: 'text', required: false },
  { name: 'reply_to', label: 'Reply-to address', type: 'email', required: false },
]

const SMTP_FIELDS: FormField[] = [
  {
    name: 'host',
    label: 'SMTP host',
    type: 'text',
    required: true,
    placeholder: 'smtp.your-domain.org',
  },
  { name: 'port', label: 'Port', type: 'number', required: true, initial: '587' },
  {
    name: 'security',
    label: 'Connection security',
    type: 'select',
    required: true,
    initial: 'starttls',
    options: [
      { value: 'starttls', label: 'STARTTLS (usually port 587)' },
      { value: 'tls', label: 'TLS from the start (usually port 465)' },
      { value: 'none', label: 'None (only on a trusted network)' },
    ],
  },
  { name: 'username', label: 'User name', type: 'text', required: false },
  ...SENDER_FIELDS,
  {
    name: 'platform_bounces',
    label: 'Bounces to Authentix’s bounce address',
    type: 'checkbox',
    required: false,
    initial: 'true',
    hint: 'Mail your server accepts but cannot deliver later is reported to Authentix, which marks the message failed and stops mailing the address. Your server must let mail go out with that envelope sender (Return-Path); the From address stays yours.',
  },
]

function httpFields(provider: Provider): FormField[] {
  return [
    {
      name: 'base_url',
      label: 'API base URL',
      type: 'url',
      required: false,
      hint: 'Leave empty for the provider’s own API.',
    },
    ...(provider === 'mailgun'
      ? [{ name: 'domain', label: 'Sending domain', type: 'text' as const, required: true }]
      : []),
    ...SENDER_FIELDS,
  ]
}

const WHATSAPP_FIELDS: FormField[] = [
  { name: 'phone_number_id', label: 'Phone number id', type: 'text', required: true },
  { name: 'waba_id', label: 'WhatsApp Business Account id', type: 'text', required: true },
  {
    name: 'display_phone_number',
    label: 'Display phone number',
    type: 'text',
    required: true,
    placeholder: '+91 98765 43210',
  },
  {
    name: 'api_base_url',
    label: 'Graph API base URL',
    type: 'url',
    required: false,
    hint: 'Leave empty for https://graph.facebook.com.',
  },
  {
    name: 'api_version',
    label: 'Graph API version',
    type: 'text',
    required: true,
    initial: 'v21.0',
  },
  { name: 'template_name', label: 'Approved template name', type: 'text', required: true },
  {
    name: 'template_language',
    label: 'Template language',
    type: 'text',
    required: true,
    initial: 'en',
  },
  {
    name: 'body_parameters',
    label: 'Body parameters',
    type: 'text',
    required: false,
    placeholder: 'recipient_name, course_name',
    hint: 'The variable that fills each {{n}} of the template body, in order, separated by commas.',
  },
  {
    name: 'daily_unique_recipients_tier',
    label: 'Messaging tier (new people per 24 h)',
    type: 'select',
    required: false,
    options: [
      { value: '', label: 'Not set' },
      { value: '250', label: '250' },
      { value: '2000', label: '2,000' },
      { value: '10000', label: '10,000' },
      { value: '100000', label: '100,000' },
    ],
  },
  { name: 'messages_per_second', label: 'Messages per second', type: 'number', required: false },
  {
    name: 'document_delivery',
    label: 'Send the PDF',
    type: 'select',
    required: true,
    initial: 'link',
    options: [
      { value: 'link', label: 'By link (Meta downloads it from us)' },
      { value: 'upload', label: 'By upload (we upload it to Meta first)' },
    ],
    hint: 'Choose upload when Meta cannot reach this server, e.g. behind a firewall: the PDF is uploaded to WhatsApp and sent by its media id.',
  },
]

export function settingFields(provider: Provider): FormField[] {
  // Without the platform's bounce mailbox there is nothing to choose (the setting stays unset).
  if (provider === 'smtp') {
    return bounceDomain() ? SMTP_FIELDS : SMTP_FIELDS.filter((field) => field.type !== 'checkbox')
  }
  if (provider === 'whatsapp_cloud') return WHATSAPP_FIELDS
  return httpFields(provider)
}

export interface SecretField {
  name: SecretType
  label: string
  required: boolean
  /** When the stored value last changed; null when none is stored. */
  changedAt: DateTime | null
  /** What the form says instead of the value: "Set · last changed …" once stored. */
  hint: string | null
}

export function secretFields(
  provider: Provider,
  stored: Map<SecretType, DateTime> | undefined
): SecretField[] {
  return PROVIDER_SECRETS[provider].map(({ type, required, label, hint }) => {
    const changedAt = stored?.get(type) ?? null
    return {
      name: type,
      label: label ?? SECRET_LABELS[type],
      required,
      changedAt,
      hint: changedAt
        ? `Set · last changed ${formatDateTime(changedAt)}. Leave empty to keep it.`
        : (hint ?? null),
    }
  })
}

/** The posted form as `{ settings, secrets }`: empty fields are not sent, an empty secret keeps the stored one. */
export function fromForm(provider: Provider, body: Record<string, unknown>) {
  const settings: Record<string, unknown> = {}
  for (const field of settingFields(provider)) {
    const raw = body[field.name]
    const value = typeof raw === 'string' ? raw.trim() : raw
    if (field.type === 'checkbox') {
      // A checkbox sends nothing when cleared: the form's answer is always explicit.
      settings[field.name] = value === 'on' || value === 'true' || value === true
    } else if (field.name === 'body_parameters') {
      settings.body_parameters =
        typeof value === 'string'
          ? value
              .split(',')
              .map((item) => item.trim())
              .filter((item) => item !== '')
          : []
    } else if (value !== undefined && value !== null && value !== '') {
      settings[field.name] = value
    }
  }
  const secrets: Record<string, unknown> = {}
  for (const { type } of PROVIDER_SECRETS[provider]) {
    const value = body[type]
    if (typeof value === 'string' && value !== '') secrets[type] = value
  }
  return { settings, secrets }
}

/** A validator's field path as the form names it: `settings.host` → `host`. */
export function formFieldOf(path: string) {
  return path
    .replace(/^(settings|secrets)\./, '')
    .replace(/^body_parameters\.\d+$/, 'body_parameters')
}

/** The stored settings as the form's values. */
export function formValues(integration: DeliveryIntegration): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(integration.settings)) {
    if (value === null || value === undefined) continue
    values[key] = Array.isArray(value) ? value.join(', ') : String(value)
  }
  return values
}
