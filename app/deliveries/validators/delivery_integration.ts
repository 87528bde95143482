import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import {
  CHANNELS,
  DOCUMENT_DELIVERIES,
  PROVIDERS,
  PROVIDER_SECRETS,
  type Provider,
} from '#deliveries/services/providers'
import { sendgridVerificationKey } from '#deliveries/services/webhook_signatures'

/**
 * Shapes of a delivery integration (API.md "Deliveries"). The body is read
 * in two steps: `integrationValidator` (channel, provider, name), then the
 * provider's `{ settings, secrets }` with `providerValidator(provider, mode)`,
 * so a field's error names its path (`settings.host`). Rules that need the
 * database or DNS (the host check) are the actions'.
 */

const name = () => vine.string().trim().minLength(1).maxLength(120)
const email = () => vine.string().trim().maxLength(254).email()
const optionalText = (max: number) => vine.string().trim().maxLength(max).optional().nullable()
const secret = () => vine.string().minLength(1).maxLength(4096)
const httpUrl = () =>
  vine
    .string()
    .trim()
    .maxLength(500)
    .url({ require_protocol: true, require_tld: false, protocols: ['http', 'https'] })

export const integrationValidator = vine.compile(
  vine.object({
    channel: vine.enum(CHANNELS),
    provider: vine.enum(PROVIDERS),
    name: name(),
    is_default: vine.boolean().optional(),
  })
)

export const integrationUpdateValidator = vine.compile(
  vine.object({
    name: name().optional(),
    is_default: vine.boolean().optional(),
  })
)

const smtpSettings = () =>
  vine.object({
    host: vine
      .string()
      .trim()
      .maxLength(253)
      .regex(/^[A-Za-z0-9.:[\]-]+$/),
    port: vine.number().withoutDecimals().range([1, 65535]),
    security: vine.enum(['none', 'starttls', 'tls'] as const),
    username: optionalText(254),
    from_email: email(),
    from_name: optionalText(120),
    reply_to: email().optional().nullable(),
    // The envelope sender is the platform's bounce address (default on when the platform has one).
    platform_bounces: vine.boolean().optional().nullable(),
  })

const emailHttpSettings = (domainRequired: boolean) =>
  vine.object({
    base_url: httpUrl().optional().nullable(),
    domain: domainRequired
      ? vine
          .string()
          .trim()
          .maxLength(253)
          .regex(/^[A-Za-z0-9.-]+$/)
      : optionalText(253),
    from_email: email(),
    from_name: optionalText(120),
    reply_to: email().optional().nullable(),
  })

const whatsappSettings = () =>
  vine.object({
    phone_number_id: vine
      .string()
      .trim()
      .regex(/^\d{1,32}$/),
    waba_id: vine
      .string()
      .trim()
      .regex(/^\d{1,32}$/),
    display_phone_number: vine
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{6,32}$/),
    api_base_url: httpUrl().optional().nullable(),
    api_version: vine
      .string()
      .trim()
      .regex(/^v\d{1,3}\.\d{1,3}$/),
    template_name: vine
      .string()
      .trim()
      .regex(/^[a-z0-9_]{1,512}$/),
    template_language: vine
      .string()
      .trim()
      .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/),
    body_parameters: vine
      .array(
        vine
          .string()
          .trim()
          .regex(/^[a-z_][a-z0-9_]{0,63}$/)
      )
      .maxLength(20),
    daily_unique_recipients_tier: vine
      .number()
      .in([250, 2000, 10000, 100000])
      .optional()
      .nullable(),
    messages_per_second: vine.number().range([1, 1000]).optional().nullable(),
    document_delivery: vine.enum(DOCUMENT_DELIVERIES).optional().nullable(),
  })

function settingsOf(provider: Provider) {
  switch (provider) {
    case 'smtp':
      return smtpSettings()
    case 'whatsapp_cloud':
      return whatsappSettings()
    default:
      return emailHttpSettings(provider === 'mailgun')
  }
}

/** The shortest webhook token accepted for Brevo: it is the only thing that authenticates its events. */
const SHORTEST_WEBHOOK_TOKEN = 24

/** Resend's signing secret: `whsec_` and the base64 of at least 24 random bytes, as its dashboard shows it. */
const RESEND_SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/

/**
 * What a provider's webhook key must look like: SendGrid's is its ECDSA
 * P-256 public key (base64 DER, as its dashboard shows it); Resend's its
 * `whsec_` signing secret (a key pasted without it, or cut short, would
 * fail every event's signature with nobody told); Brevo's is a bearer token
 * the org makes up, long enough not to be guessed.
 */
const webhookKeyRule = vine.createRule((value, provider: Provider, field) => {
  if (typeof value !== 'string') return
  if (provider === 'sendgrid' && !sendgridVerificationKey(value)) {
    field.report(
      'The webhook verification key must be the public key SendGrid shows under Mail Settings → Signed Event Webhook (base64, starting with MFkw).',
      'sendgridVerificationKey',
      field
    )
  }
  if (provider === 'resend' && !RESEND_SECRET.test(value.trim())) {
    field.report(
      'The signing secret must be the one Resend shows for this webhook (Webhooks → your endpoint → Signing secret), starting with whsec_.',
      'resendSigningSecret',
      field
    )
  }
  if (provider === 'brevo' && value.trim().length < SHORTEST_WEBHOOK_TOKEN) {
    field.report(
      `The webhook token must be at least ${SHORTEST_WEBHOOK_TOKEN} characters: use a long random string, and the same one in Brevo’s webhook settings.`,
      'webhookToken',
      field
    )
  }
})

function secretsOf(provider: Provider, mode: 'create' | 'update') {
  const fields: Record<
    string,
    ReturnType<typeof secret> | ReturnType<ReturnType<typeof secret>['optional']>
  > = {}
  for (const { type, required } of PROVIDER_SECRETS[provider]) {
    const rule = type === 'webhook_signing_key' ? secret().use(webhookKeyRule(provider)) : secret()
    fields[type] = required && mode === 'create' ? rule : rule.optional()
  }
  return vine.object(fields)
}

function compileFor(provider: Provider, mode: 'create' | 'update') {
  const validator = vine.compile(
    vine.object({
      settings: settingsOf(provider),
      secrets:
        mode === 'create' && PROVIDER_SECRETS[provider].some((entry) => entry.required)
          ? secretsOf(provider, mode)
          : secretsOf(provider, mode).optional(),
    })
  )
  validator.messagesProvider = integrationMessages
  return validator
}

export const integrationMessages = new SimpleMessagesProvider(
  {
    'required': 'Enter the {{ field }}.',
    'string': 'The {{ field }} must be text.',
    'number': 'The {{ field }} must be a number.',
    'withoutDecimals': 'The {{ field }} must be a whole number.',
    'minLength': 'Enter the {{ field }}.',
    'maxLength': 'The {{ field }} is too long (at most {{ max }} characters).',
    'email': 'The {{ field }} must be an email address, like certificates@example.org.',
    'url': 'The {{ field }} must be a full URL, like https://api.example.com.',
    'enum': 'The {{ field }} must be one of: {{ choices }}.',
    'in': 'The {{ field }} must be one of: {{ values }}.',
    'range': 'The {{ field }} must be between {{ min }} and {{ max }}.',
    'regex': 'The {{ field }} is not in the expected form.',
    'object': 'The {{ field }} must be an object of keys and values.',
    'boolean': 'The {{ field }} must be true or false.',
    'array': 'The {{ field }} must be a list.',
    'settings.host.regex':
      'The SMTP host must be a host name or IP address, like smtp.example.org.',
    'settings.phone_number_id.regex':
      'The phone number id is the number Meta shows under API Setup (digits only).',
    'settings.waba_id.regex': 'The WhatsApp Business Account id is digits only.',
    'settings.display_phone_number.regex':
      'The display phone number must be a phone number, like +91 98765 43210.',
    'settings.api_version.regex': 'The Graph API version looks like v21.0.',
    'settings.template_name.regex':
      'The template name is the approved template’s name: lower-case letters, digits and "_".',
    'settings.template_language.regex':
      'The template language is a code like en, hi or en_US, as approved with the template.',
    'settings.document_delivery.enum':
      'Send the PDF either by link ("link") or by upload ("upload").',
    'settings.body_parameters.*.regex':
      'Each body parameter is a variable name like recipient_name or course_name.',
  },
  // Keyed by the field's own name (Vine looks labels up by it, not by its path).
  {
    channel: 'channel',
    provider: 'provider',
    name: 'name',
    settings: 'settings',
    secrets: 'secrets',
    host: 'SMTP host',
    port: 'port',
    security: 'connection security',
    username: 'user name',
    from_email: 'from address',
    from_name: 'from name',
    reply_to: 'reply-to address',
    platform_bounces: 'bounces to Authentix’s bounce address setting',
    base_url: 'base URL',
    domain: 'sending domain',
    phone_number_id: 'phone number id',
    waba_id: 'WhatsApp Business Account id',
    display_phone_number: 'display phone number',
    api_base_url: 'Graph API base URL',
    api_version: 'Graph API version',
    template_name: 'template name',
    template_language: 'template language',
    body_parameters: 'body parameters',
    daily_unique_recipients_tier: 'daily unique recipients tier',
    messages_per_second: 'messages per second',
    document_delivery: 'way to send the PDF',
    password: 'password',
    api_key: 'API key',
    access_token: 'access token',
    app_secret: 'app secret',
    verify_token: 'webhook verify token',
    webhook_signing_key: 'webhook signing key',
    to: 'recipient',
  }
)

const compiled = new Map(
  PROVIDERS.flatMap((provider) =>
    (['create', 'update'] as const).map(
      (mode) => [`${provider}:${mode}`, compileFor(provider, mode)] as const
    )
  )
)

/** The `{ settings, secrets }` validator of a provider; secrets are optional when updating. */
export function providerValidator(provider: Provider, mode: 'create' | 'update') {
  return compiled.get(`${provider}:${mode}`)!
}

export const testMessageValidator = vine.compile(
  vine.object({ to: vine.string().trim().minLength(1).maxLength(254) })
)
testMessageValidator.messagesProvider = integrationMessages
integrationValidator.messagesProvider = integrationMessages
integrationUpdateValidator.messagesProvider = integrationMessages
