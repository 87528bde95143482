import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import type { SendOutcome } from '#deliveries/services/message_senders'
import { type JsonAnswer, postJsonPinned, postPinned } from '#deliveries/services/pinned_http'
import {
  DEFAULT_BASE_URLS,
  PROVIDER_LABELS,
  type EmailHttpProvider,
  type SecretType,
} from '#deliveries/services/providers'

/** One email as every email sender takes it: composed once, sent over SMTP or a provider's API. */
export interface ComposedEmail {
  from: { name: string; address: string }
  to: string
  replyTo?: string
  subject: string
  text: string
  html: string
  attachments: { filename: string; content: Buffer; contentType: string }[]
  /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post, X-Authentix-Message). */
  headers: Record<string, string>
  /** The same for every attempt of a message: sent where the provider honours one (Resend, Brevo). */
  idempotencyKey: string
}

export interface EmailApiTarget {
  integration: DeliveryIntegration
  secrets: Partial<Record<SecretType, string>>
  /** The address the SSRF check approved for the base URL's host. */
  address: string | undefined
}

const TIMEOUT_MS = 30_000

/**
 * Sends through an HTTP provider's own API (Resend, SendGrid, Brevo,
 * Mailgun), each request shaped as its documentation gives it, attachments
 * included (base64 in JSON; Mailgun multipart), over the pinned address.
 *
 * The answer, in what it means for the message:
 * - 2xx: accepted, with the provider's id (SendGrid's `X-Message-Id`).
 * - 401/403 (the key), Mailgun's 404 (no such domain): account — every
 *   message would fail the same way, so the integration pauses.
 * - 429, 5xx, 409 (an idempotent request still in flight), no answer:
 *   transient, after the provider's Retry-After when it gave one. A 409
 *   for the same key with other content means an earlier attempt was
 *   taken: permanent, never sent twice (composing a message must give the
 *   same bytes on every attempt for the key to work).
 * - Any other 4xx (an invalid address, a refused attachment): permanent,
 *   in the provider's words.
 */
export async function sendThroughEmailApi(
  target: EmailApiTarget,
  email: ComposedEmail
): Promise<SendOutcome> {
  const { integration } = target
  const provider = integration.provider as EmailHttpProvider
  const config = integration.config as { base_url?: string; domain?: string }
  const base = (config.base_url ?? DEFAULT_BASE_URLS[provider]).replace(/\/+$/, '')
  let answer: JsonAnswer
  try {
    answer = await post(provider, base, config.domain, target, email)
  } catch (error) {
    const problem = error as NodeJS.ErrnoException
    const origin = URL.canParse(base) ? new URL(base).origin : base
    return {
      outcome: 'transient',
      code: problem.code ?? 'network_error',
      reason:
        problem.code === 'ECONNREFUSED'
          ? `Connection refused: nothing answers at ${origin}. It will be tried again.`
          : `${PROVIDER_LABELS[provider]} could not be reached (${problem.message}); it will be tried again.`,
    }
  }
  return outcomeOf(provider, answer, email)
}

/**
 * "Display Name" <address>, the name quoted (RFC 5322) so a comma or a
 * bracket in an org's name ("IIT, Bombay") stays part of it; line breaks
 * are never let into a header.
 */
export function senderText(from: ComposedEmail['from']) {
  const name = from.name.replaceAll(/[\r\n]+/g, ' ').trim()
  if (!name) return from.address
  return `"${name.replaceAll(/["\\]/g, (c) => `\\${c}`)}" <${from.address}>`
}

function post(
  provider: EmailHttpProvider,
  base: string,
  domain: string | undefined,
  target: EmailApiTarget,
  email: ComposedEmail
): Promise<JsonAnswer> {
  const apiKey = target.secrets.api_key ?? ''
  switch (provider) {
    case 'resend':
      return postJsonPinned(
        new URL(`${base}/emails`),
        target.address,
        { 'Authorization': `Bearer ${apiKey}`, 'Idempotency-Key': email.idempotencyKey },
        {
          from: senderText(email.from),
          to: [email.to],
          subject: email.subject,
          html: email.html,
          text: email.text,
          ...(email.replyTo ? { reply_to: email.replyTo } : {}),
          headers: email.headers,
          attachments: email.attachments.map((a) => ({
            filename: a.filename,
            content: a.content.toString('base64'),
            content_type: a.contentType,
          })),
        },
        TIMEOUT_MS
      )
    case 'sendgrid':
      return postJsonPinned(
        new URL(`${base}/v3/mail/send`),
        target.address,
        { Authorization: `Bearer ${apiKey}` },
        {
          personalizations: [{ to: [{ email: email.to }] }],
          from: { email: email.from.address, name: email.from.name },
          ...(email.replyTo ? { reply_to: { email: email.replyTo } } : {}),
          subject: email.subject,
          content: [
            { type: 'text/plain', value: email.text },
            { type: 'text/html', value: email.html },
          ],
          headers: email.headers,
          ...(email.attachments.length > 0
            ? {
                attachments: email.attachments.map((a) => ({
                  content: a.content.toString('base64'),
                  filename: a.filename,
                  type: a.contentType,
                  disposition: 'attachment',
                })),
              }
            : {}),
        },
        TIMEOUT_MS
      )
    case 'brevo':
      return postJsonPinned(
        new URL(`${base}/v3/smtp/email`),
        target.address,
        { 'api-key': apiKey },
        {
          sender: { name: email.from.name, email: email.from.address },
          to: [{ email: email.to }],
          subject: email.subject,
          htmlContent: email.html,
          textContent: email.text,
          ...(email.replyTo ? { replyTo: { email: email.replyTo } } : {}),
          headers: { ...email.headers, idempotencyKey: email.idempotencyKey },
          ...(email.attachments.length > 0
            ? {
                attachment: email.attachments.map((a) => ({
                  name: a.filename,
                  content: a.content.toString('base64'),
                })),
              }
            : {}),
        },
        TIMEOUT_MS
      )
    case 'mailgun':
      return postMailgun(base, domain ?? '', target, apiKey, email)
  }
}

/** Mailgun takes a form; with attachments, multipart/form-data. */
async function postMailgun(
  base: string,
  domain: string,
  target: EmailApiTarget,
  apiKey: string,
  email: ComposedEmail
) {
  const form = new FormData()
  form.append('from', senderText(email.from))
  form.append('to', email.to)
  form.append('subject', email.subject)
  form.append('text', email.text)
  form.append('html', email.html)
  if (email.replyTo) form.append('h:Reply-To', email.replyTo)
  for (const [name, value] of Object.entries(email.headers)) form.append(`h:${name}`, value)
  for (const attachment of email.attachments) {
    form.append(
      'attachment',
      new Blob([attachment.content], { type: attachment.contentType }),
      attachment.filename
    )
  }
  const encoded = new Response(form)
  const payload = Buffer.from(await encoded.arrayBuffer())
  return postPinned(
    new URL(`${base}/v3/${encodeURIComponent(domain)}/messages`),
    target.address,
    {
      'Authorization': `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`,
      'Content-Type': encoded.headers.get('content-type')!,
    },
    payload,
    TIMEOUT_MS
  )
}

function header(answer: JsonAnswer, name: string) {
  const value = answer.headers?.[name]
  return Array.isArray(value) ? value[0] : value
}

const LONGEST_WAIT_MS = 60 * 60_000

/**
 * How long the provider asked us to wait, in ms (at most an hour): its
 * Retry-After (seconds or an HTTP date), or SendGrid's X-RateLimit-Reset
 * (the epoch second its limit resets); none when it said nothing readable.
 */
function retryAfterMs(answer: JsonAnswer) {
  const clamp = (ms: number) => Math.min(LONGEST_WAIT_MS, Math.max(0, ms))
  const value = header(answer, 'retry-after')
  if (value) {
    const seconds = Number(value)
    if (Number.isFinite(seconds)) return clamp(seconds * 1000)
    const at = Date.parse(value)
    if (!Number.isNaN(at)) return clamp(at - Date.now())
  }
  const reset = Number(header(answer, 'x-ratelimit-reset'))
  return Number.isFinite(reset) && reset > 0 ? clamp(reset * 1000 - Date.now()) : undefined
}

function acceptedId(provider: EmailHttpProvider, answer: JsonAnswer): string | null {
  const body = answer.body as Record<string, unknown> | null
  switch (provider) {
    case 'resend':
      return typeof body?.id === 'string' ? body.id : null
    case 'sendgrid':
      return header(answer, 'x-message-id') ?? null
    case 'brevo':
      return typeof body?.messageId === 'string' ? body.messageId : null
    case 'mailgun':
      return typeof body?.id === 'string' ? body.id : null
  }
}

/** What the provider said, in its own words (first 300 characters). */
function providerSaid(body: unknown): string | null {
  if (typeof body === 'string') return body.trim().slice(0, 300) || null
  if (body === null || typeof body !== 'object') return null
  const record = body as { message?: unknown; errors?: { message?: unknown }[] }
  if (typeof record.message === 'string') return record.message.slice(0, 300)
  const first = record.errors?.[0]?.message
  return typeof first === 'string' ? first.slice(0, 300) : null
}

export function outcomeOf(
  provider: EmailHttpProvider,
  answer: JsonAnswer,
  email: Pick<ComposedEmail, 'to' | 'idempotencyKey'>
): SendOutcome {
  const label = PROVIDER_LABELS[provider]
  const status = answer.status
  const to = email.to
  if (status >= 200 && status < 300) {
    // Taken, even without an id to quote (trying again would send it twice where no key is
    // honoured): the message is then known by its idempotency key.
    const id = acceptedId(provider, answer) ?? `${provider}:${email.idempotencyKey}`
    return { outcome: 'accepted', providerMessageId: id }
  }
  const said = providerSaid(answer.body)
  const quoted = said ? ` ${label} said: “${said}”` : ''
  const code = `http_${status}`
  if (status === 401 || status === 403 || status === 402) {
    return {
      outcome: 'account',
      code,
      reason:
        status === 402
          ? `${label} says the account has no sending credit or quota left (HTTP 402): sending is paused until it is topped up.${quoted}`
          : `${label} refused the API key (HTTP ${status}): sending is paused until the integration's key is fixed.${quoted}`,
    }
  }
  if (provider === 'mailgun' && status === 404) {
    return {
      outcome: 'account',
      code,
      reason: `Mailgun does not know the sending domain (HTTP 404): check the integration's domain and region.${quoted}`,
    }
  }
  if (
    provider === 'resend' &&
    status === 409 &&
    (answer.body as { name?: unknown })?.name === 'invalid_idempotent_request'
  ) {
    return {
      outcome: 'permanent',
      code,
      reason: `${label} already took a message under this message's idempotency key with different content (HTTP 409): it was most likely sent by an earlier attempt, so it is not sent again.${quoted}`,
    }
  }
  if (status === 429 || status === 409 || status >= 500) {
    return {
      outcome: 'transient',
      code,
      reason:
        status === 429
          ? `${label} is limiting how fast this account may send (HTTP 429); it will be tried again.${quoted}`
          : status === 409
            ? `${label} is still processing an earlier attempt of this message (HTTP 409); it will be checked again.${quoted}`
            : `${label} had a problem on its side (HTTP ${status}); it will be tried again.${quoted}`,
      retryAfterMs: retryAfterMs(answer),
    }
  }
  if (status === 413) {
    return {
      outcome: 'permanent',
      code,
      reason: `${label} refused the message as too large (HTTP 413): lower the attachment limit so certificates are linked instead.${quoted}`,
    }
  }
  return {
    outcome: 'permanent',
    code,
    reason: `${label} refused the message to ${to} (HTTP ${status}).${quoted}`,
  }
}
