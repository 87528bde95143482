/*
| A local HTTP server standing in for the email providers' sending APIs
| (issue 15): Resend (`POST /emails`), SendGrid (`POST /v3/mail/send`),
| Brevo (`POST /v3/smtp/email`) and Mailgun (`POST /v3/<domain>/messages`,
| form or multipart), each checking its own kind of API key and answering
| with its own success and error shapes, so an org's integration pointed at
| it (base URL `http://127.0.0.1:<port>`, allow-listed) sends as it would
| to the provider. It keeps what it accepted (sender, recipients, subject,
| bodies, headers, attachments with their SHA-256) and can misbehave as the
| providers do: a recipient refused, a rate limit (429 with Retry-After), an
| outage (503). Resend's `Idempotency-Key` and Brevo's `idempotencyKey`
| header are honoured: a repeat answers the first id and keeps nothing new.
|
| Event webhooks, posted after each accepted mail as the providers post them
| (once a URL is configured, as in the provider's dashboard): SendGrid's
| Event Webhook (a JSON array per post: `processed`, then `delivered`, or a
| `bounce` for a recipient told to bounce), signed as its Signed Event
| Webhook is (ECDSA P-256 over timestamp + body, with a key pair made at
| start whose public half, base64 DER, is `sendgridVerificationKey`: what
| SendGrid's dashboard shows and an org pastes); Brevo's transactional
| webhook (one event per post: `request`, then `delivered` or `hard_bounce`)
| with `Authorization: Bearer <token>`; Resend's (one event per post:
| `email.sent`, then `email.delivered` or `email.bounced`) signed as Svix
| signs it, Standard Webhooks' `svix-id`, `svix-timestamp` and `svix-signature:
| v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the base64 after
| `whsec_` of `resendWebhookSecret`; Mailgun's (one event per post:
| `delivered`, or `failed` with severity `permanent`) carrying its signature in
| the body, the hex HMAC-SHA256 of timestamp + token keyed with
| `mailgunWebhookSigningKey`. Each event names the id the send answered
| (Mailgun's without its angle brackets, as Mailgun's `message-id` header does).
| A post not answered 2xx is tried twice more; `webhookDuplicates` posts each
| one again, as after a lost answer (Resend's under the same `svix-id`,
| Mailgun's with the same signed body).
|
| Control (tests, the demo, outside acceptance tests):
|   GET  /_standin/messages        what it accepted, oldest first
|   GET  /_standin/webhooks        { sendgrid_verification_key, posted: [...] }
|   POST /_standin/reset           forgets them
|   POST /_standin/config          { reject_recipients?, rate_limit_per_second?, down?,
|                                    sendgrid_webhook_url?, brevo_webhook_url?, brevo_webhook_token?,
|                                    resend_webhook_url?, resend_webhook_secret?,
|                                    mailgun_webhook_url?, mailgun_webhook_signing_key?,
|                                    bounce_recipients?, webhook_duplicates? }
|
| Standalone (prints where it listens; Ctrl-C stops it):
|   node --import=ts-node-maintained/register/esm stand_ins/email_apis.ts --port=8030 --api-key=<key>
*/
import {
  createHash,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
} from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

export type EmailApiProvider = 'resend' | 'sendgrid' | 'brevo' | 'mailgun'

export interface EmailApiBehaviour {
  /** Recipient addresses (any case) each provider refuses as invalid. */
  rejectRecipients?: readonly string[]
  /** Requests per second over all providers above which the answer is 429 with `Retry-After: 1`. */
  rateLimitPerSecond?: number | null
  /** Every send answers 503. */
  down?: boolean
  /** Where SendGrid posts its events (Mail Settings → Event Webhook); none: it posts nothing. */
  sendgridWebhookUrl?: string | null
  /** Where Brevo posts its transactional events, and the bearer token it sends with them. */
  brevoWebhookUrl?: string | null
  brevoWebhookToken?: string | null
  /** Where Resend posts its events, and the signing secret (`whsec_…`) its dashboard shows for that endpoint. */
  resendWebhookUrl?: string | null
  resendWebhookSecret?: string | null
  /** Where Mailgun posts its events, and the account's HTTP webhook signing key. */
  mailgunWebhookUrl?: string | null
  mailgunWebhookSigningKey?: string | null
  /** Recipients (any case) whose mail hard-bounces instead of being delivered. */
  bounceRecipients?: readonly string[]
  /** How many times each webhook post is made (default 1). */
  webhookDuplicates?: number
}

export interface PostedEmailWebhook {
  provider: EmailApiProvider
  url: string
  /** The posted body as parsed JSON (SendGrid: an array of events; Mailgun: with its signature). */
  body: unknown
  /** The webhook's HTTP status, or null when it could not be reached. */
  responseStatus: number | null
  error?: string
  postedAt: string
}

export interface EmailApiStandInOptions extends EmailApiBehaviour {
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  /** The API key every provider expects (Mailgun as Basic `api:<key>`). */
  apiKey: string
  /** Mailgun domains that exist; others answer 404. Default: any. */
  mailgunDomains?: readonly string[]
}

export interface ApiAttachment {
  filename: string
  contentType: string | null
  size: number
  sha256: string
}

export interface ApiMail {
  id: string
  provider: EmailApiProvider
  from: string
  to: string[]
  replyTo: string | null
  subject: string
  text: string
  html: string
  /** Custom headers as sent (names as given). */
  headers: Record<string, string>
  attachments: ApiAttachment[]
  idempotencyKey: string | null
  receivedAt: string
}

export interface EmailApiStandIn {
  url: string
  port: number
  messages(): ApiMail[]
  /** Requests answered with an error, by status. */
  refusals(): { provider: EmailApiProvider; status: number; at: string }[]
  reset(): void
  configure(behaviour: EmailApiBehaviour): void
  /** SendGrid's verification key for its Signed Event Webhook: base64 DER (SPKI) of the P-256 public key. */
  sendgridVerificationKey: string
  /** Signs a body as SendGrid signs its event posts, with this stand-in's private key: the two headers. */
  signSendgrid(raw: string, timestamp?: number): Record<string, string>
  /** The webhooks posted so far, oldest first. */
  webhooksPosted(): PostedEmailWebhook[]
  /** Resolves once every webhook post begun so far has been answered (or given up). */
  webhooksSettled(): Promise<void>
  close(): Promise<void>
}

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {}
  ) {
    super(`HTTP ${status}`)
  }
}

const MAX_BODY_BYTES = 50 * 1024 * 1024
const MAX_KEPT = 20_000

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Refused(413, { message: 'Payload Too Large' }))
        request.destroy()
      } else chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

function base64Attachment(filename: unknown, content: unknown, type: unknown): ApiAttachment {
  if (typeof filename !== 'string' || typeof content !== 'string') {
    throw new Error('an attachment needs a filename and base64 content')
  }
  const bytes = Buffer.from(content, 'base64')
  return {
    filename,
    contentType: typeof type === 'string' ? type : null,
    size: bytes.length,
    sha256: sha256(bytes),
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {}
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)])
  )
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/
/** "Name <a@b.c>" or "a@b.c" → a@b.c */
const bare = (value: string) => /<([^>]+)>\s*$/.exec(value)?.[1] ?? value.trim()

/**
 * One SendGrid Event Webhook event (an element of the array it posts):
 * `sg_message_id` is the `X-Message-Id` of the send followed by its filter
 * suffix, `sg_event_id` is unique per event.
 */
export function sendgridEvent(input: {
  event: string
  email: string
  messageId: string
  timestamp?: number
  type?: 'bounce' | 'blocked'
  reason?: string
  status?: string
  eventId?: string
  extra?: Record<string, unknown>
}): Record<string, unknown> {
  return {
    'email': input.email,
    'timestamp': input.timestamp ?? Math.floor(Date.now() / 1000),
    'smtp-id': `<${input.messageId}@geopod-ismtpd-3>`,
    'event': input.event,
    'category': [],
    'sg_event_id': input.eventId ?? randomUUID().replaceAll('-', '').slice(0, 22),
    'sg_message_id': `${input.messageId}.filterdrecv-5645d9c87f-l5bvr-1-64B0A0CD-3.0`,
    ...(input.event === 'bounce'
      ? { type: input.type ?? 'bounce', bounce_classification: 'Invalid Address' }
      : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.event === 'delivered' ? { response: '250 2.0.0 OK', tls: 1 } : {}),
    ...input.extra,
  }
}

/** The two headers of SendGrid's Signed Event Webhook: ECDSA (P-256, SHA-256, DER) of timestamp + body, base64. */
export function signSendgridWebhook(
  raw: string,
  privateKey: KeyObject,
  timestamp = Math.floor(Date.now() / 1000)
): Record<string, string> {
  const signature = sign('sha256', Buffer.from(`${timestamp}${raw}`, 'utf8'), privateKey)
  return {
    'X-Twilio-Email-Event-Webhook-Signature': signature.toString('base64'),
    'X-Twilio-Email-Event-Webhook-Timestamp': String(timestamp),
  }
}

/** A P-256 key pair as SendGrid makes one, with the public half as its dashboard shows it. */
export function sendgridKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return {
    privateKey,
    verificationKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  }
}

/**
 * One Brevo transactional webhook event as it posts it: `message-id` is the
 * `messageId` Brevo answered the send with; `ts_event` in seconds, `date` in
 * the account's time zone (here UTC+1, as Brevo's default CET).
 */
export function brevoEvent(input: {
  event: string
  email: string
  messageId: string
  at?: Date
  reason?: string
  extra?: Record<string, unknown>
}): Record<string, unknown> {
  const at = input.at ?? new Date()
  const cet = new Date(at.getTime() + 3600_000).toISOString().replace('T', ' ').slice(0, 19)
  return {
    'event': input.event,
    'email': input.email,
    'id': 1_234_567,
    'date': cet,
    'ts': Math.floor(at.getTime() / 1000),
    'message-id': input.messageId,
    'ts_event': Math.floor(at.getTime() / 1000),
    'subject': 'Your certificate',
    'sending_ip': '185.41.28.109',
    'ts_epoch': at.getTime(),
    'tags': [],
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...input.extra,
  }
}

/**
 * One Resend webhook event as it posts it (`email.sent`, `email.delivered`,
 * `email.bounced`…): `email_id` is the id Resend answered the send with; the
 * event names the email, not one recipient, so `to` is the email's list.
 * `created_at` is when the event happened, `data.created_at` when the email
 * was (written as Resend writes it, with microseconds and `+00:00`).
 */
export function resendEvent(input: {
  type: string
  emailId: string
  from: string
  to: readonly string[]
  subject: string
  at?: Date
  sentAt?: Date
  bounce?: { type: 'Permanent' | 'Transient' | 'Undetermined'; subType: string; message: string }
}): Record<string, unknown> {
  const at = input.at ?? new Date()
  const sentAt = input.sentAt ?? at
  return {
    type: input.type,
    created_at: at.toISOString(),
    data: {
      created_at: sentAt.toISOString().replace('Z', '000+00:00'),
      email_id: input.emailId,
      from: input.from,
      to: [...input.to],
      subject: input.subject,
      ...(input.bounce ? { bounce: input.bounce } : {}),
    },
  }
}

/** A Svix message id (`msg_` and 27 letters and digits): one per event, kept over its retries. */
export const svixMessageId = () =>
  `msg_${randomBytes(27)
    .toString('base64')
    .replaceAll(/[^A-Za-z0-9]/g, '')
    .slice(0, 27)}`

/**
 * The three headers Resend's webhooks carry (Svix, Standard Webhooks):
 * `svix-signature` is `v1,` and the base64 HMAC-SHA256 of
 * `<id>.<timestamp>.<raw body>`, keyed with the base64-decoded part of the
 * endpoint's `whsec_…` secret.
 */
export function signResendWebhook(
  raw: string,
  secret: string,
  id = svixMessageId(),
  timestamp = Math.floor(Date.now() / 1000)
): Record<string, string> {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
  const signature = createHmac('sha256', key)
    .update(`${id}.${timestamp}.${raw}`, 'utf8')
    .digest('base64')
  return {
    'svix-id': id,
    'svix-timestamp': String(timestamp),
    'svix-signature': `v1,${signature}`,
  }
}

/**
 * The `event-data` of one Mailgun webhook (per recipient): `delivered`, or
 * `failed` with a `severity` (`permanent` is a bounce). Its `message-id`
 * header is the id the send answered without the angle brackets; `id` is the
 * event's own, unique per event; `timestamp` in seconds with a fraction.
 */
export function mailgunEvent(input: {
  event: string
  recipient: string
  messageId: string
  from?: string
  subject?: string
  at?: Date
  eventId?: string
  severity?: 'permanent' | 'temporary'
  reason?: string
  deliveryStatus?: { code: number; message: string; description: string }
  extra?: Record<string, unknown>
}): Record<string, unknown> {
  const at = input.at ?? new Date()
  return {
    'event': input.event,
    'id': input.eventId ?? randomBytes(16).toString('base64url').slice(0, 22),
    'timestamp': at.getTime() / 1000,
    'log-level': input.event === 'failed' ? 'error' : 'info',
    ...(input.severity ? { severity: input.severity } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    'recipient': input.recipient,
    'recipient-domain': input.recipient.split('@')[1] ?? '',
    'envelope': { 'transport': 'smtp', 'sending-ip': '209.61.151.224', 'targets': input.recipient },
    'tags': [],
    'campaigns': [],
    'user-variables': {},
    'message': {
      headers: {
        'to': input.recipient,
        'message-id': input.messageId.replace(/^<|>$/g, ''),
        ...(input.from !== undefined ? { from: input.from } : {}),
        ...(input.subject !== undefined ? { subject: input.subject } : {}),
      },
      attachments: [],
    },
    ...(input.deliveryStatus
      ? {
          'delivery-status': {
            'attempt-no': 1,
            'session-seconds': 0.4,
            ...input.deliveryStatus,
          },
        }
      : {}),
    ...input.extra,
  }
}

/**
 * A Mailgun webhook body: the event and, beside it, its signature: a random
 * `token`, the `timestamp` in seconds (text) and the hex HMAC-SHA256 of
 * timestamp + token keyed with the account's webhook signing key.
 */
export function signMailgunWebhook(
  eventData: Record<string, unknown>,
  signingKey: string,
  timestamp = Math.floor(Date.now() / 1000),
  token = randomBytes(25).toString('hex')
): Record<string, unknown> {
  const signature = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex')
  return {
    'signature': { timestamp: String(timestamp), token, signature },
    'event-data': eventData,
  }
}

export async function startEmailApiStandIn(
  options: EmailApiStandInOptions
): Promise<EmailApiStandIn> {
  let behaviour: EmailApiBehaviour = {
    rejectRecipients: options.rejectRecipients,
    rateLimitPerSecond: options.rateLimitPerSecond ?? null,
    down: options.down ?? false,
    sendgridWebhookUrl: options.sendgridWebhookUrl ?? null,
    brevoWebhookUrl: options.brevoWebhookUrl ?? null,
    brevoWebhookToken: options.brevoWebhookToken ?? null,
    resendWebhookUrl: options.resendWebhookUrl ?? null,
    resendWebhookSecret: options.resendWebhookSecret ?? null,
    mailgunWebhookUrl: options.mailgunWebhookUrl ?? null,
    mailgunWebhookSigningKey: options.mailgunWebhookSigningKey ?? null,
    bounceRecipients: options.bounceRecipients ?? [],
    webhookDuplicates: options.webhookDuplicates ?? 1,
  }
  const sendgridKeys = sendgridKeyPair()
  let posted: PostedEmailWebhook[] = []
  const posting = new Set<Promise<void>>()
  let generation = 0
  let kept: ApiMail[] = []
  let refusals: { provider: EmailApiProvider; status: number; at: string }[] = []
  const idempotent = new Map<string, { id: string; digest: string }>()
  let windowStart = 0
  let windowCount = 0

  function keep(mail: ApiMail) {
    kept.push(mail)
    if (kept.length > MAX_KEPT) kept = kept.slice(-MAX_KEPT)
  }

  function rejected(addresses: string[]) {
    const refused = (behaviour.rejectRecipients ?? []).map((a) => a.toLowerCase())
    return addresses.find((a) => refused.includes(bare(a).toLowerCase()) || !ADDRESS.test(bare(a)))
  }

  /** Outage and rate limit, in each provider's words. */
  function gate(provider: EmailApiProvider) {
    if (behaviour.down) {
      throw new Refused(503, errorBody(provider, 503, 'Service Unavailable'))
    }
    const limit = behaviour.rateLimitPerSecond
    if (limit) {
      const now = Date.now()
      if (now - windowStart >= 1000) {
        windowStart = now
        windowCount = 0
      }
      windowCount++
      if (windowCount > limit) {
        throw new Refused(429, errorBody(provider, 429, 'Too many requests'), {
          'Retry-After': '1',
        })
      }
    }
  }

  function errorBody(provider: EmailApiProvider, status: number, message: string) {
    switch (provider) {
      case 'resend':
        return {
          statusCode: status,
          name:
            status === 429
              ? 'rate_limit_exceeded'
              : status === 503
                ? 'application_error'
                : 'validation_error',
          message,
        }
      case 'sendgrid':
        return { errors: [{ message, field: null, help: null }] }
      case 'brevo':
        return {
          code:
            status === 429
              ? 'too_many_requests'
              : status === 503
                ? 'internal_error'
                : 'invalid_parameter',
          message,
        }
      case 'mailgun':
        return { message }
    }
  }

  /** A repeated idempotency key answers the first id; a different body under it is a conflict. */
  function replayed(provider: EmailApiProvider, key: string | null, body: Buffer) {
    if (!key) return null
    const digest = sha256(body)
    const seen = idempotent.get(`${provider}:${key}`)
    if (!seen) return null
    if (seen.digest !== digest) {
      throw new Refused(
        409,
        provider === 'resend'
          ? {
              statusCode: 409,
              name: 'invalid_idempotent_request',
              message: 'Same idempotency key used with a different request payload.',
            }
          : { code: 'duplicate_parameter', message: 'idempotencyKey already used' }
      )
    }
    return seen.id
  }

  function remember(provider: EmailApiProvider, key: string | null, body: Buffer, id: string) {
    if (key) idempotent.set(`${provider}:${key}`, { id, digest: sha256(body) })
  }

  const bounces = (address: string) =>
    (behaviour.bounceRecipients ?? []).some((a) => a.toLowerCase() === bare(address).toLowerCase())

  /**
   * A post's headers, made for each try: SendGrid and Resend (Svix) sign
   * each try afresh, Resend under the one message id of the event; Mailgun's
   * signature is in the body, made once with the event.
   */
  function webhookHeaders(
    provider: EmailApiProvider,
    raw: string,
    svixId: string
  ): Record<string, string> {
    const json = { 'Content-Type': 'application/json' }
    switch (provider) {
      case 'sendgrid':
        return {
          ...json,
          'User-Agent': 'SendGrid Event API',
          ...signSendgridWebhook(raw, sendgridKeys.privateKey),
        }
      case 'brevo':
        return behaviour.brevoWebhookToken
          ? { ...json, Authorization: `Bearer ${behaviour.brevoWebhookToken}` }
          : json
      case 'resend':
        return behaviour.resendWebhookSecret
          ? { ...json, ...signResendWebhook(raw, behaviour.resendWebhookSecret, svixId) }
          : json
      case 'mailgun':
        return json
    }
  }

  /** One post, tried up to three times until answered 2xx. */
  async function postWebhook(
    provider: EmailApiProvider,
    url: string,
    body: unknown,
    startedIn: number
  ) {
    const raw = JSON.stringify(body)
    const svixId = svixMessageId()
    for (let copy = 0; copy < Math.max(1, behaviour.webhookDuplicates ?? 1); copy++) {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (startedIn !== generation) return
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
        const headers = webhookHeaders(provider, raw, svixId)
        const record: PostedEmailWebhook = {
          provider,
          url,
          body,
          responseStatus: null,
          postedAt: new Date().toISOString(),
        }
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers,
            body: raw,
            signal: AbortSignal.timeout(5_000),
          })
          await response.arrayBuffer()
          record.responseStatus = response.status
        } catch (error) {
          record.error = error instanceof Error ? error.message : String(error)
        }
        if (startedIn !== generation) return
        posted.push(record)
        if (posted.length > MAX_KEPT) posted = posted.slice(-MAX_KEPT)
        if (record.responseStatus !== null && record.responseStatus < 300) break
      }
    }
  }

  /** Runs after the send's answer is written, as a provider reports later. */
  function later(work: (startedIn: number) => Promise<void>) {
    const startedIn = generation
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => work(startedIn))
      .catch(() => {})
      .finally(() => posting.delete(done))
    posting.add(done)
  }

  /** SendGrid: one array per accepted mail, `processed` and then `delivered` or a `bounce`. */
  function reportSendgrid(id: string, to: string[]) {
    const url = behaviour.sendgridWebhookUrl
    if (!url) return
    const now = Math.floor(Date.now() / 1000)
    const events = to.flatMap((address) => [
      sendgridEvent({ event: 'processed', email: bare(address), messageId: id, timestamp: now }),
      bounces(address)
        ? sendgridEvent({
            event: 'bounce',
            type: 'bounce',
            email: bare(address),
            messageId: id,
            timestamp: now + 1,
            status: '5.1.1',
            reason: '550 5.1.1 The email account that you tried to reach does not exist.',
          })
        : sendgridEvent({
            event: 'delivered',
            email: bare(address),
            messageId: id,
            timestamp: now + 1,
          }),
    ])
    later((startedIn) => postWebhook('sendgrid', url, events, startedIn))
  }

  /** Brevo: one post per event, `request` and then `delivered` or `hard_bounce`. */
  function reportBrevo(id: string, to: string[]) {
    const url = behaviour.brevoWebhookUrl
    if (!url) return
    const now = Date.now()
    later(async (startedIn) => {
      for (const address of to) {
        await postWebhook(
          'brevo',
          url,
          brevoEvent({ event: 'request', email: bare(address), messageId: id, at: new Date(now) }),
          startedIn
        )
        await postWebhook(
          'brevo',
          url,
          bounces(address)
            ? brevoEvent({
                event: 'hard_bounce',
                email: bare(address),
                messageId: id,
                at: new Date(now + 1000),
                reason: 'status=bounced (host mx.example.com said: 550 5.1.1 user unknown)',
              })
            : brevoEvent({
                event: 'delivered',
                email: bare(address),
                messageId: id,
                at: new Date(now + 1000),
              }),
          startedIn
        )
      }
    })
  }

  /**
   * Resend: one post per event, `email.sent` and then `email.delivered`, or
   * `email.bounced` (Permanent) when a recipient bounces. Its events name the
   * email, not a recipient: a mail to several is reported once.
   */
  function reportResend(mail: ApiMail) {
    const url = behaviour.resendWebhookUrl
    if (!url) return
    const sentAt = new Date()
    const event = (type: string, at: Date, bounce?: Parameters<typeof resendEvent>[0]['bounce']) =>
      resendEvent({
        type,
        emailId: mail.id,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        at,
        sentAt,
        bounce,
      })
    later(async (startedIn) => {
      await postWebhook('resend', url, event('email.sent', sentAt), startedIn)
      const at = new Date(sentAt.getTime() + 1000)
      await postWebhook(
        'resend',
        url,
        mail.to.some(bounces)
          ? event('email.bounced', at, {
              type: 'Permanent',
              subType: 'General',
              message:
                "The recipient's email provider sent a hard bounce message, but didn't specify the reason for the hard bounce. We recommend removing the recipient's email address from your mailing list.",
            })
          : event('email.delivered', at),
        startedIn
      )
    })
  }

  /** Mailgun: one post per recipient and event, `delivered`, or `failed` (permanent) for a bounce. */
  function reportMailgun(mail: ApiMail) {
    const url = behaviour.mailgunWebhookUrl
    if (!url) return
    const at = new Date(Date.now() + 1000)
    later(async (startedIn) => {
      for (const address of mail.to) {
        const recipient = bare(address)
        const eventData = bounces(address)
          ? mailgunEvent({
              event: 'failed',
              severity: 'permanent',
              reason: 'bounce',
              recipient,
              messageId: mail.id,
              from: mail.from,
              subject: mail.subject,
              at,
              deliveryStatus: {
                code: 550,
                message:
                  "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.",
                description: '',
              },
            })
          : mailgunEvent({
              event: 'delivered',
              recipient,
              messageId: mail.id,
              from: mail.from,
              subject: mail.subject,
              at,
              deliveryStatus: { code: 250, message: 'OK', description: '' },
            })
        // Signed as it is made, so a repeated post is the same body, as Mailgun's would be. Without a
        // key the signature is made with an empty one, which no receiver holding a key accepts.
        const body = signMailgunWebhook(eventData, behaviour.mailgunWebhookSigningKey ?? '')
        await postWebhook('mailgun', url, body, startedIn)
      }
    })
  }

  async function resend(request: IncomingMessage, raw: Buffer) {
    const auth = request.headers.authorization
    if (!auth)
      throw new Refused(401, {
        statusCode: 401,
        name: 'missing_api_key',
        message: 'Missing API key in the authorization header',
      })
    if (auth !== `Bearer ${options.apiKey}`) {
      throw new Refused(403, {
        statusCode: 403,
        name: 'invalid_api_key',
        message: 'API key is invalid',
      })
    }
    gate('resend')
    const key = (request.headers['idempotency-key'] as string | undefined) ?? null
    const again = replayed('resend', key, raw)
    if (again) return { status: 200, body: { id: again } }
    const body = JSON.parse(raw.toString('utf8'))
    for (const field of ['from', 'to', 'subject']) {
      if (!body[field]) {
        throw new Refused(422, {
          statusCode: 422,
          name: 'missing_required_field',
          message: `Missing \`${field}\` field.`,
        })
      }
    }
    const to: string[] = Array.isArray(body.to) ? body.to : [body.to]
    const bad = rejected(to)
    if (bad) {
      throw new Refused(422, {
        statusCode: 422,
        name: 'validation_error',
        message: `Invalid \`to\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format: ${bad}`,
      })
    }
    const id = randomUUID()
    const mail: ApiMail = {
      id,
      provider: 'resend',
      from: body.from,
      to,
      replyTo: Array.isArray(body.reply_to) ? body.reply_to[0] : (body.reply_to ?? null),
      subject: body.subject,
      text: body.text ?? '',
      html: body.html ?? '',
      headers: stringRecord(body.headers),
      attachments: (body.attachments ?? []).map((a: any) =>
        base64Attachment(a.filename, a.content, a.content_type)
      ),
      idempotencyKey: key,
      receivedAt: new Date().toISOString(),
    }
    keep(mail)
    remember('resend', key, raw, id)
    reportResend(mail)
    return { status: 200, body: { id } }
  }

  async function sendgrid(request: IncomingMessage, raw: Buffer) {
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      throw new Refused(401, {
        errors: [
          {
            message: 'The provided authorization grant is invalid, expired, or revoked',
            field: null,
            help: null,
          },
        ],
      })
    }
    gate('sendgrid')
    const body = JSON.parse(raw.toString('utf8'))
    const to: string[] = (body.personalizations ?? []).flatMap((p: any) =>
      (p.to ?? []).map((t: any) => t.email)
    )
    if (to.length === 0) {
      throw new Refused(400, {
        errors: [
          {
            message:
              'The personalizations field is required and must have at least one personalization.',
            field: 'personalizations',
            help: null,
          },
        ],
      })
    }
    const bad = rejected(to)
    if (bad) {
      throw new Refused(400, {
        errors: [
          {
            message: 'Does not contain a valid address.',
            field: 'personalizations.0.to.0.email',
            help: null,
          },
        ],
      })
    }
    if (!body.from?.email || !body.subject) {
      throw new Refused(400, {
        errors: [
          {
            message: 'The from object must be provided for every email send.',
            field: 'from',
            help: null,
          },
        ],
      })
    }
    const content: { type: string; value: string }[] = body.content ?? []
    const id = randomUUID().replaceAll('-', '').slice(0, 22)
    keep({
      id,
      provider: 'sendgrid',
      from: body.from.name ? `${body.from.name} <${body.from.email}>` : body.from.email,
      to,
      replyTo: body.reply_to?.email ?? null,
      subject: body.subject,
      text: content.find((c) => c.type === 'text/plain')?.value ?? '',
      html: content.find((c) => c.type === 'text/html')?.value ?? '',
      headers: stringRecord(body.headers),
      attachments: (body.attachments ?? []).map((a: any) =>
        base64Attachment(a.filename, a.content, a.type)
      ),
      idempotencyKey: null,
      receivedAt: new Date().toISOString(),
    })
    reportSendgrid(id, to)
    return { status: 202, body: '', headers: { 'X-Message-Id': id } }
  }

  async function brevo(request: IncomingMessage, raw: Buffer) {
    if (request.headers['api-key'] !== options.apiKey) {
      throw new Refused(401, { code: 'unauthorized', message: 'Key not found' })
    }
    gate('brevo')
    const body = JSON.parse(raw.toString('utf8'))
    const headers = stringRecord(body.headers)
    const key = headers.idempotencyKey ?? null
    const again = replayed('brevo', key, raw)
    if (again) return { status: 201, body: { messageId: again } }
    const to: string[] = (body.to ?? []).map((t: any) => t.email)
    if (to.length === 0 || !body.sender?.email || !body.subject) {
      throw new Refused(400, {
        code: 'missing_parameter',
        message: 'to, sender and subject are required',
      })
    }
    const bad = rejected(to)
    if (bad)
      throw new Refused(400, {
        code: 'invalid_parameter',
        message: `email is not valid in to: ${bad}`,
      })
    const id = `<${randomUUID()}@smtp-relay.mailin.fr>`
    keep({
      id,
      provider: 'brevo',
      from: body.sender.name ? `${body.sender.name} <${body.sender.email}>` : body.sender.email,
      to,
      replyTo: body.replyTo?.email ?? null,
      subject: body.subject,
      text: body.textContent ?? '',
      html: body.htmlContent ?? '',
      headers,
      attachments: (body.attachment ?? []).map((a: any) =>
        base64Attachment(a.name, a.content, null)
      ),
      idempotencyKey: key,
      receivedAt: new Date().toISOString(),
    })
    remember('brevo', key, raw, id)
    reportBrevo(id, to)
    return { status: 201, body: { messageId: id } }
  }

  async function mailgun(request: IncomingMessage, raw: Buffer, domain: string) {
    const expected = `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`
    if (request.headers.authorization !== expected) {
      throw new Refused(401, 'Forbidden')
    }
    if (options.mailgunDomains && !options.mailgunDomains.includes(domain)) {
      throw new Refused(404, { message: `Domain not found: ${domain}` })
    }
    gate('mailgun')
    const form = await new Request('http://stand-in/', {
      method: 'POST',
      headers: { 'content-type': String(request.headers['content-type'] ?? '') },
      body: raw,
    }).formData()
    const text = (name: string) => {
      const value = form.get(name)
      return typeof value === 'string' ? value : null
    }
    const to = form
      .getAll('to')
      .flatMap((v) => String(v).split(','))
      .map((v) => v.trim())
      .filter(Boolean)
    const from = text('from')
    if (!from) throw new Refused(400, { message: "'from' parameter is missing" })
    if (to.length === 0) throw new Refused(400, { message: "'to' parameter is missing" })
    const bad = rejected(to)
    if (bad)
      throw new Refused(400, {
        message: 'to parameter is not a valid address. please check documentation',
      })
    const headers: Record<string, string> = {}
    for (const [name, value] of form.entries()) {
      if (name.startsWith('h:') && typeof value === 'string') headers[name.slice(2)] = value
    }
    const attachments: ApiAttachment[] = []
    for (const value of form.getAll('attachment')) {
      if (typeof value === 'string') continue
      const bytes = Buffer.from(await value.arrayBuffer())
      attachments.push({
        filename: value.name,
        contentType: value.type || null,
        size: bytes.length,
        sha256: sha256(bytes),
      })
    }
    const id = `<${Date.now()}.${randomUUID().slice(0, 8)}@${domain}>`
    const mail: ApiMail = {
      id,
      provider: 'mailgun',
      from,
      to,
      replyTo: headers['Reply-To'] ?? null,
      subject: text('subject') ?? '',
      text: text('text') ?? '',
      html: text('html') ?? '',
      headers,
      attachments,
      idempotencyKey: null,
      receivedAt: new Date().toISOString(),
    }
    keep(mail)
    reportMailgun(mail)
    return { status: 200, body: { id, message: 'Queued. Thank you.' } }
  }

  /** Forgets what it accepted and posted; posts under way are dropped. */
  function forget() {
    kept = []
    refusals = []
    posted = []
    generation++
    idempotent.clear()
    windowStart = 0
  }

  function providerOf(path: string): { provider: EmailApiProvider; domain?: string } | null {
    if (path === '/emails') return { provider: 'resend' }
    if (path === '/v3/mail/send') return { provider: 'sendgrid' }
    if (path === '/v3/smtp/email') return { provider: 'brevo' }
    const mailgunPath = /^\/v3\/([^/]+)\/messages$/.exec(path)
    if (mailgunPath) return { provider: 'mailgun', domain: decodeURIComponent(mailgunPath[1]) }
    return null
  }

  function send(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ) {
    const isText = typeof body === 'string'
    response.writeHead(status, {
      'Content-Type': isText ? 'text/plain; charset=utf-8' : 'application/json',
      ...headers,
    })
    response.end(isText ? body : JSON.stringify(body))
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname
    if (request.method === 'GET' && path === '/_standin/messages') return send(response, 200, kept)
    if (request.method === 'GET' && path === '/_standin/webhooks') {
      return send(response, 200, {
        sendgrid_verification_key: sendgridKeys.verificationKey,
        posted,
      })
    }
    if (request.method === 'POST' && path === '/_standin/reset') {
      forget()
      return send(response, 200, { ok: true })
    }
    if (request.method === 'POST' && path === '/_standin/config') {
      const raw = await readBody(request)
      const body = JSON.parse(raw.toString('utf8') || '{}')
      behaviour = {
        rejectRecipients: body.reject_recipients ?? behaviour.rejectRecipients,
        rateLimitPerSecond: body.rate_limit_per_second ?? behaviour.rateLimitPerSecond,
        down: body.down ?? behaviour.down,
        sendgridWebhookUrl: body.sendgrid_webhook_url ?? behaviour.sendgridWebhookUrl,
        brevoWebhookUrl: body.brevo_webhook_url ?? behaviour.brevoWebhookUrl,
        brevoWebhookToken: body.brevo_webhook_token ?? behaviour.brevoWebhookToken,
        resendWebhookUrl: body.resend_webhook_url ?? behaviour.resendWebhookUrl,
        resendWebhookSecret: body.resend_webhook_secret ?? behaviour.resendWebhookSecret,
        mailgunWebhookUrl: body.mailgun_webhook_url ?? behaviour.mailgunWebhookUrl,
        mailgunWebhookSigningKey:
          body.mailgun_webhook_signing_key ?? behaviour.mailgunWebhookSigningKey,
        bounceRecipients: body.bounce_recipients ?? behaviour.bounceRecipients,
        webhookDuplicates: body.webhook_duplicates ?? behaviour.webhookDuplicates,
      }
      return send(response, 200, {
        ok: true,
        sendgrid_verification_key: sendgridKeys.verificationKey,
      })
    }
    const route = request.method === 'POST' ? providerOf(path) : null
    if (!route) return send(response, 404, { message: 'Not Found' })
    try {
      const raw = await readBody(request)
      const answer: { status: number; body: unknown; headers?: Record<string, string> } =
        route.provider === 'resend'
          ? await resend(request, raw)
          : route.provider === 'sendgrid'
            ? await sendgrid(request, raw)
            : route.provider === 'brevo'
              ? await brevo(request, raw)
              : await mailgun(request, raw, route.domain!)
      send(response, answer.status, answer.body, answer.headers)
    } catch (error) {
      if (error instanceof Refused) {
        refusals.push({
          provider: route.provider,
          status: error.status,
          at: new Date().toISOString(),
        })
        return send(response, error.status, error.body, error.headers)
      }
      refusals.push({ provider: route.provider, status: 400, at: new Date().toISOString() })
      send(
        response,
        400,
        errorBody(route.provider, 400, `Bad request: ${(error as Error).message}`)
      )
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) => send(response, 500, { message: String(error) }))
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${host}:${port}`,
    port,
    messages: () => [...kept],
    refusals: () => [...refusals],
    reset: forget,
    configure(next) {
      behaviour = { ...behaviour, ...next }
      windowStart = 0
    },
    sendgridVerificationKey: sendgridKeys.verificationKey,
    signSendgrid: (raw, timestamp) => signSendgridWebhook(raw, sendgridKeys.privateKey, timestamp),
    webhooksPosted: () => [...posted],
    async webhooksSettled() {
      while (posting.size > 0) await Promise.all([...posting])
    },
    close: () =>
      new Promise<void>((resolve) => {
        generation++
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { 'port': { type: 'string', default: '8030' }, 'api-key': { type: 'string' } },
  })
  if (!values['api-key']) {
    console.error('email API stand-in: --api-key=<key> is required')
    process.exit(2)
  }
  const standIn = await startEmailApiStandIn({
    port: Number(values.port),
    apiKey: values['api-key'],
  })
  console.log(`email API stand-in listening on ${standIn.url} (Resend, SendGrid, Brevo, Mailgun)`)
  console.log(`SendGrid webhook verification key: ${standIn.sendgridVerificationKey}`)
  process.on('SIGINT', () => standIn.close().then(() => process.exit(0)))
  process.on('SIGTERM', () => standIn.close().then(() => process.exit(0)))
}
