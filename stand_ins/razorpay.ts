/*
| A local HTTP server standing in for Razorpay (issue 16), speaking its REST
| API as documented (`../shared/reference/integrations.md` "Razorpay"), so
| our client pointed at it (base URL `http://127.0.0.1:<port>`) talks to it
| as it would to `https://api.razorpay.com`:
|
|   POST /v1/orders                    { amount, currency, receipt?, notes? } → the order
|   GET  /v1/orders/:id                the order
|   GET  /v1/orders/:id/payments       { entity: "collection", count, items }
|   GET  /v1/payments/:id              the payment
|   POST /v1/payments/:id/capture      { amount, currency } → the payment, captured
|   POST /v1/payments/:id/refund       { amount?, speed?, notes?, receipt? } → the refund
|                                      (`X-Refund-Idempotency`: same key and body → the
|                                      same refund, another body → 400, while the first
|                                      is still being answered → 409)
|   GET  /v1/payments/:id/refunds      the payment's refunds, a collection
|   GET  /v1/refunds/:id               the refund
|
| Every /v1 request needs Basic auth `key_id:key_secret` (401 otherwise);
| refusals are Razorpay's error body `{ error: { code, description, source,
| step, reason, metadata, field? } }` with `BAD_REQUEST_ERROR` (400), the
| field named when one is at fault. Amounts are integer paise, INR only.
|
| Nobody pays in a test, so the stand-in has a fake Checkout, for development
| and tests only: `GET /_standin/checkout/:order_id?callback_url=…` is a small
| page (no scripts from anywhere else) with Pay and Fail buttons. Pay makes
| a payment, authorized then captured (Razorpay's default auto-capture),
| marks the order paid and sends the browser to `callback_url` as Checkout
| does with `redirect: true`: a form POST (`callback_method=get`: a 303 with
| the same fields in the query) of `razorpay_payment_id`, `razorpay_order_id`
| and `razorpay_signature` (hex HMAC-SHA256 of `order_id|payment_id` with
| the key secret). Fail makes a failed payment with Razorpay's error fields
| and sends `error[code]`, `error[description]`, `error[source]`,
| `error[step]`, `error[reason]` and `error[metadata]` (JSON: payment_id,
| order_id) instead. Without a browser: `POST /_standin/orders/:id/pay
| { outcome: "captured" | "authorized" | "failed" }` answers the payment.
|
| Once a webhook URL and secret are configured (as in Razorpay's dashboard),
| each state change posts Razorpay's event envelope (`payment.authorized`,
| `payment.captured`, `payment.failed`, `order.paid`, `refund.created`,
| `refund.processed`, `refund.failed`) signed with `X-Razorpay-Signature`
| (hex HMAC-SHA256 of the raw body with the webhook secret) and carrying an
| `X-Razorpay-Event-Id` of its own, the same on every copy of that event.
| Razorpay delivers at least once and in no promised order, so on request
| each event is posted several times (`duplicates`), after a pause
| (`delay_ms`) or with a state change's events in reverse (`reorder`:
| `order.paid` before `payment.captured`); a post not answered 2xx is tried
| again a few times. `server_errors` answers that many API requests with 503,
| `response_delay_ms` makes every answer that slow (a timeout, a refund
| still in flight).
|
| Control (tests, the demo, outside acceptance tests):
|   GET  /_standin/state       { orders, payments, refunds }
|   GET  /_standin/webhooks    { webhook_url, posted: [...] } with each post's answer
|   POST /_standin/config      { webhook_url?, webhook_secret?, duplicates?, delay_ms?, reorder?,
|                                server_errors?, response_delay_ms?, refund_outcome?,
|                                refund_processing_ms? }
|   POST /_standin/reset       forgets orders, payments, refunds and posts (keeps the config)
|
| Standalone (prints where it listens; Ctrl-C stops it):
|   node --import=ts-node-maintained/register/esm stand_ins/razorpay.ts --port=4020 \
|     --key-id=rzp_test_… --key-secret=… [--webhook-url=… --webhook-secret=…]
*/
import { createHmac, randomBytes, randomInt } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

export type OrderStatus = 'created' | 'attempted' | 'paid'
export type PaymentStatus = 'created' | 'authorized' | 'captured' | 'refunded' | 'failed'
export type RefundStatus = 'pending' | 'processed' | 'failed'
/** What a payment attempt on an order comes to. */
export type PaymentOutcome = 'captured' | 'authorized' | 'failed'
export type RazorpayEventName =
  | 'payment.authorized'
  | 'payment.captured'
  | 'payment.failed'
  | 'order.paid'
  | 'refund.created'
  | 'refund.processed'
  | 'refund.failed'

/** Razorpay's notes: up to 15 pairs; an entity without any carries `[]` (PHP's empty array). */
export type Notes = Record<string, string | number> | []

export interface OrderEntity {
  id: string
  entity: 'order'
  amount: number
  amount_paid: number
  amount_due: number
  currency: string
  receipt: string | null
  offer_id: null
  status: OrderStatus
  attempts: number
  notes: Notes
  created_at: number
}

export interface PaymentEntity {
  id: string
  entity: 'payment'
  amount: number
  currency: string
  status: PaymentStatus
  order_id: string
  invoice_id: null
  international: boolean
  method: 'upi'
  amount_refunded: number
  refund_status: null | 'partial' | 'full'
  captured: boolean
  description: string | null
  card_id: null
  bank: null
  wallet: null
  vpa: string
  email: string
  contact: string
  notes: Notes
  fee: number | null
  tax: number | null
  error_code: string | null
  error_description: string | null
  error_source: string | null
  error_step: string | null
  error_reason: string | null
  acquirer_data: { rrn: string | null; upi_transaction_id: string | null }
  created_at: number
}

export interface RefundEntity {
  id: string
  entity: 'refund'
  amount: number
  currency: string
  payment_id: string
  notes: Notes
  receipt: string | null
  acquirer_data: { arn: string | null }
  created_at: number
  batch_id: null
  status: RefundStatus
  speed_processed: 'normal' | 'instant'
  speed_requested: 'normal' | 'optimum'
}

/** What can change while it runs (`configure`, `POST /_standin/config`). */
export interface RazorpayBehaviour {
  /** Where events are posted; none are without both a URL and a secret. */
  webhookUrl?: string | null
  /** The webhook's secret, set in Razorpay's dashboard: it signs every post. */
  webhookSecret?: string | null
  /** How many times each event is posted, under one event id (default 1). */
  duplicates?: number
  /** Pause before each event is posted, in ms (default 0). */
  delayMs?: number
  /** Post each state change's events last first (`order.paid` before `payment.captured`). */
  reorder?: boolean
  /** Answer this many API requests with 503 (Razorpay's own trouble), then recover. */
  serverErrors?: number
  /** How long each API answer takes, in ms (default 0): for timeouts and refunds in flight. */
  responseDelayMs?: number
  /** What becomes of a refund after `refundProcessingMs` (default processed). */
  refundOutcome?: 'processed' | 'failed'
  /** How long a refund stays pending (default 10 ms). */
  refundProcessingMs?: number
}

export interface RazorpayStandInOptions extends RazorpayBehaviour {
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  keyId?: string
  keySecret?: string
  /** The merchant's account id, in every event's `account_id`. */
  accountId?: string
  /** A post not answered 2xx is tried this many more times (default 3). */
  webhookRetries?: number
  webhookRetryDelayMs?: number
  /** Razorpay counts an answer slower than 5 s as a failure. */
  webhookTimeoutMs?: number
}

export interface PostedRazorpayWebhook {
  eventId: string
  event: RazorpayEventName
  url: string
  /** The body as posted, byte for byte, and parsed. */
  raw: string
  body: RazorpayEvent
  signature: string
  /** 1 for the first post of this event; duplicates and retries count up. */
  attempt: number
  /** The webhook's HTTP status, or null when it could not be reached. */
  responseStatus: number | null
  error?: string
  postedAt: string
}

export interface RazorpayEvent {
  entity: 'event'
  account_id: string
  event: RazorpayEventName
  contains: Array<'payment' | 'order' | 'refund'>
  payload: {
    payment?: { entity: PaymentEntity }
    order?: { entity: OrderEntity }
    refund?: { entity: RefundEntity }
  }
  created_at: number
}

export interface RazorpayState {
  orders: OrderEntity[]
  payments: PaymentEntity[]
  refunds: RefundEntity[]
}

export interface RazorpayStandIn {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; the API is under `/v1`. */
  url: string
  port: number
  keyId: string
  keySecret: string
  accountId: string
  configure(behaviour: RazorpayBehaviour): void
  /** Everything it holds, oldest first (copies). */
  state(): RazorpayState
  /** What `POST /_standin/orders/:id/pay` does: a payment attempt and its events. */
  pay(orderId: string, outcome: PaymentOutcome): PaymentEntity
  /** The fake Checkout page of an order, sending the browser to `callbackUrl` afterwards. */
  checkoutUrl(orderId: string, callbackUrl?: string, callbackMethod?: 'post' | 'get'): string
  /** The webhook posts made so far, oldest first. */
  webhooksPosted(): PostedRazorpayWebhook[]
  /** Resolves once every event begun so far has been posted (or given up) and every refund settled. */
  webhooksSettled(): Promise<void>
  /** Forget orders, payments, refunds and posts; events not yet posted are dropped. */
  reset(): void
  close(): Promise<void>
}

/** A refusal, answered with its status and Razorpay's error body. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: Record<string, unknown> }
  ) {
    super(String(body.error.description))
  }
}

/** A request Razorpay finds wrong, the field at fault named. */
const invalid = (description: string, field?: string, reason = 'input_validation_failed') =>
  new Refused(400, {
    error: {
      code: 'BAD_REQUEST_ERROR',
      description,
      source: 'business',
      step: 'payment_initiation',
      reason,
      metadata: {},
      ...(field ? { field } : {}),
    },
  })

/** A refusal about the state of things rather than one field (Razorpay fills the rest with NA). */
const refused = (description: string, status = 400, code = 'BAD_REQUEST_ERROR') =>
  new Refused(status, {
    error: { code, description, source: 'NA', step: 'NA', reason: 'NA', metadata: {} },
  })

const notFound = () => refused('The id provided does not exist')

const MAX_BODY_BYTES = 1024 * 1024
const MINIMUM_PAISE = 100
const MAX_RECEIPT = 40
const MAX_NOTES = 15
const MAX_NOTE_LENGTH = 256
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{10,}$/
const WEBHOOK_USER_AGENT = 'Razorpay-Webhook/v1'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

const defaults = {
  host: '127.0.0.1',
  keyId: 'rzp_test_5tandInKey0001',
  keySecret: 'standinKeySecret00000000',
  accountId: 'acc_StandIn0000001',
  webhookUrl: null as string | null,
  webhookSecret: null as string | null,
  duplicates: 1,
  delayMs: 0,
  reorder: false,
  serverErrors: 0,
  responseDelayMs: 0,
  refundOutcome: 'processed' as 'processed' | 'failed',
  refundProcessingMs: 10,
  webhookRetries: 3,
  webhookRetryDelayMs: 200,
  webhookTimeoutMs: 5_000,
}

type Settings = typeof defaults

/** Razorpay's ids: a prefix and 14 base62 characters. */
function newId(prefix: string) {
  const bytes = randomBytes(14)
  return `${prefix}_${[...bytes].map((byte) => BASE62[byte % 62]).join('')}`
}

const digits = (count: number) =>
  Array.from({ length: count }, (_, i) => String(randomInt(i === 0 ? 1 : 0, 10))).join('')

const unixSeconds = () => Math.floor(Date.now() / 1000)

/** Hex HMAC-SHA256, as Razorpay signs Checkout callbacks and webhooks. */
export function razorpaySignature(text: string, secret: string) {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex')
}

const CONTAINS: Record<RazorpayEventName, RazorpayEvent['contains']> = {
  'payment.authorized': ['payment'],
  'payment.captured': ['payment'],
  'payment.failed': ['payment'],
  'order.paid': ['payment', 'order'],
  'refund.created': ['refund', 'payment'],
  'refund.processed': ['refund', 'payment'],
  'refund.failed': ['refund', 'payment'],
}

/**
 * One event in Razorpay's envelope, with copies of the entities as they
 * are now. Exported so tests can hand-craft events (replays, orderings, bad
 * signatures) exactly like the ones the stand-in posts.
 */
export function razorpayEvent(input: {
  accountId: string
  event: RazorpayEventName
  payment?: PaymentEntity
  order?: OrderEntity
  refund?: RefundEntity
  createdAt?: number
}): RazorpayEvent {
  const payload: RazorpayEvent['payload'] = {}
  if (input.payment) payload.payment = { entity: structuredClone(input.payment) }
  if (input.order) payload.order = { entity: structuredClone(input.order) }
  if (input.refund) payload.refund = { entity: structuredClone(input.refund) }
  return {
    entity: 'event',
    account_id: input.accountId,
    event: input.event,
    contains: CONTAINS[input.event],
    payload,
    created_at: input.createdAt ?? unixSeconds(),
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** JSON with keys sorted at every level, so two bodies that say the same thing compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function refuseExtraFields(body: Record<string, unknown>, allowed: string[]) {
  const extra = Object.keys(body).filter((key) => !allowed.includes(key))
  if (extra.length > 0) {
    throw invalid(
      `${extra.join(', ')} is/are not required and should not be sent`,
      extra[0],
      'extra_field_sent'
    )
  }
}

function checkAmount(value: unknown, field = 'amount'): number {
  if (value === undefined || value === null || value === '') {
    throw invalid(`The ${field} field is required.`, field)
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(`The ${field} must be an integer.`, field)
  }
  if (value < MINIMUM_PAISE) throw invalid(`The ${field} must be at least INR 1.00`, field)
  return value
}

function checkCurrency(value: unknown) {
  if (value === undefined || value === null || value === '') {
    throw invalid('The currency field is required.', 'currency')
  }
  if (typeof value !== 'string') {
    throw invalid(`expected string but provided ${JSON.stringify(value)}`, 'currency')
  }
  // The account the stand-in plays takes rupees only (international payments not enabled).
  if (value !== 'INR') throw invalid('Currency is not supported', 'currency', 'invalid_currency')
  return value
}

function checkReceipt(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw invalid('The receipt must be a string.', 'receipt')
  if (value.length > MAX_RECEIPT) {
    throw invalid(`The receipt may not be greater than ${MAX_RECEIPT} characters.`, 'receipt')
  }
  return value
}

function checkNotes(value: unknown): Notes {
  if (value === undefined || value === null) return []
  // An empty array is how PHP clients send "no notes"; Razorpay takes it.
  if (Array.isArray(value) && value.length === 0) return []
  if (!isObject(value)) throw invalid('The notes must be a set of key-value pairs.', 'notes')
  const entries = Object.entries(value)
  if (entries.length > MAX_NOTES) {
    throw invalid(`The notes may not have more than ${MAX_NOTES} items.`, 'notes')
  }
  for (const [key, note] of entries) {
    if (typeof note !== 'string' && typeof note !== 'number') {
      throw invalid(`The notes.${key} must be a string or a number.`, `notes.${key}`)
    }
    if (String(note).length > MAX_NOTE_LENGTH) {
      throw invalid(
        `The notes.${key} may not be greater than ${MAX_NOTE_LENGTH} characters.`,
        `notes.${key}`
      )
    }
  }
  return entries.length === 0 ? [] : (value as Record<string, string | number>)
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw refused('The request body is too large', 413)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(request)
  if (raw.trim() === '') return {}
  let body: unknown
  try {
    body = JSON.parse(raw)
  } catch {
    throw refused('The request body is not valid JSON')
  }
  if (!isObject(body)) throw refused('The request body must be a JSON object')
  return body
}

/** A form's fields (the Checkout page posts one). */
async function readFormBody(request: IncomingMessage) {
  return new URLSearchParams(await readBody(request))
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}

function sendHtml(response: ServerResponse, status: number, html: string) {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    // Inline only: the page loads nothing from anywhere.
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *",
  })
  response.end(html)
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
  )

const rupees = (paise: number) =>
  new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR' }).format(paise / 100)

function page(title: string, body: string) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1f2937; }
  .notice { background: #fef3c7; padding: .5rem .75rem; border-radius: .375rem; font-size: .875rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; }
  dt { color: #6b7280; } dd { margin: 0; word-break: break-all; }
  button { font-size: 1rem; padding: .6rem 1.2rem; margin-right: .5rem; border-radius: .375rem; border: 1px solid #9ca3af; cursor: pointer; }
  button[value="captured"] { background: #2563eb; color: white; border-color: #2563eb; }
</style>
</head>
<body>
<p class="notice">Razorpay stand-in: a fake Checkout for development and tests. No money moves.</p>
${body}
</body>
</html>
`
}

/** An http(s) URL, or null. */
function httpUrl(value: string | null) {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null
  } catch {
    return null
  }
}

export async function startRazorpayStandIn(
  options: RazorpayStandInOptions = {}
): Promise<RazorpayStandIn> {
  const settings: Settings = { ...defaults }
  function configure(patch: RazorpayBehaviour | RazorpayStandInOptions) {
    for (const [key, value] of Object.entries(patch)) {
      if (key in defaults && value !== undefined) Object.assign(settings, { [key]: value })
    }
  }
  configure(options)

  const orders = new Map<string, OrderEntity>()
  const payments = new Map<string, PaymentEntity>()
  const refunds = new Map<string, RefundEntity>()
  const receipts = new Set<string>()
  /** Refund idempotency keys: the request they were first sent with, and its refund once made. */
  const idempotency = new Map<string, { fingerprint: string; refundId: string | null }>()
  let posted: PostedRazorpayWebhook[] = []
  const inFlight = new Set<Promise<void>>()
  const timers = new Map<NodeJS.Timeout, () => void>()
  // Bumped by reset() and close(): work begun earlier stops recording and posting.
  let generation = 0

  /** A pause that reset() cuts short (the work after it then sees a new generation). */
  function pause(ms: number) {
    if (ms <= 0) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.set(timer, resolve)
    })
  }

  function track(work: Promise<void>) {
    const tracked = work.catch(() => {}).finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
  }

  // --- webhooks

  async function postOnce(url: string, secret: string, eventId: string, raw: string) {
    const signature = razorpaySignature(raw, secret)
    const record = {
      url,
      signature,
      responseStatus: null as number | null,
      error: undefined as string | undefined,
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': WEBHOOK_USER_AGENT,
          'X-Razorpay-Signature': signature,
          'X-Razorpay-Event-Id': eventId,
        },
        body: raw,
        signal: AbortSignal.timeout(settings.webhookTimeoutMs),
      })
      await response.arrayBuffer()
      record.responseStatus = response.status
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error)
    }
    return record
  }

  /** Posts one state change's events in turn: each `duplicates` times, each retried until taken. */
  async function postEvents(events: RazorpayEvent[], startedIn: number) {
    const url = settings.webhookUrl
    const secret = settings.webhookSecret
    if (!url || !secret) return
    const ordered = settings.reorder ? [...events].reverse() : events
    for (const body of ordered) {
      const eventId = newId('evt').slice('evt_'.length)
      const raw = JSON.stringify(body)
      let attempt = 0
      await pause(settings.delayMs)
      for (let copy = 0; copy < Math.max(1, settings.duplicates); copy++) {
        for (let retry = 0; retry <= settings.webhookRetries; retry++) {
          if (startedIn !== generation) return
          if (retry > 0) await pause(settings.webhookRetryDelayMs * 2 ** (retry - 1))
          if (startedIn !== generation) return
          const result = await postOnce(url, secret, eventId, raw)
          if (startedIn !== generation) return
          posted.push({
            eventId,
            event: body.event,
            raw,
            body,
            attempt: ++attempt,
            postedAt: new Date().toISOString(),
            ...result,
          })
          if (result.responseStatus !== null && result.responseStatus < 300) break
        }
      }
    }
  }

  /** The events of one state change, built now (so each carries the entities as they are now). */
  function emit(
    events: Array<{
      event: RazorpayEventName
      payment?: PaymentEntity
      order?: OrderEntity
      refund?: RefundEntity
    }>
  ) {
    if (!settings.webhookUrl || !settings.webhookSecret) return
    const bodies = events.map((event) => razorpayEvent({ accountId: settings.accountId, ...event }))
    track(postEvents(bodies, generation))
  }

  // --- orders, payments, refunds

  function findOrder(id: string) {
    const order = orders.get(id)
    if (!order) throw notFound()
    return order
  }

  function findPayment(id: string) {
    const payment = payments.get(id)
    if (!payment) throw notFound()
    return payment
  }

  function createOrder(body: Record<string, unknown>): OrderEntity {
    refuseExtraFields(body, [
      'amount',
      'currency',
      'receipt',
      'notes',
      'partial_payment',
      'first_payment_min_amount',
    ])
    const amount = checkAmount(body.amount)
    const currency = checkCurrency(body.currency)
    const receipt = checkReceipt(body.receipt)
    const notes = checkNotes(body.notes)
    if (receipt !== null && receipts.has(receipt)) {
      throw invalid('Order receipt should be unique.', 'receipt')
    }
    if (receipt !== null) receipts.add(receipt)
    const order: OrderEntity = {
      id: newId('order'),
      entity: 'order',
      amount,
      amount_paid: 0,
      amount_due: amount,
      currency,
      receipt,
      offer_id: null,
      status: 'created',
      attempts: 0,
      notes,
      created_at: unixSeconds(),
    }
    orders.set(order.id, order)
    return order
  }

  /** Razorpay's fee on a captured payment: 2 %, plus 18 % GST on it; `fee` includes the tax. */
  function chargeFee(payment: PaymentEntity) {
    const base = Math.round((payment.amount * 2) / 100)
    payment.tax = Math.round((base * 18) / 100)
    payment.fee = base + payment.tax
  }

  function capture(payment: PaymentEntity) {
    const order = findOrder(payment.order_id)
    payment.status = 'captured'
    payment.captured = true
    chargeFee(payment)
    order.status = 'paid'
    order.amount_paid = order.amount
    order.amount_due = 0
    return order
  }

  /** A payment attempt on an order, as a customer's Checkout makes it. */
  function pay(orderId: string, outcome: PaymentOutcome): PaymentEntity {
    const order = findOrder(orderId)
    if (!['captured', 'authorized', 'failed'].includes(outcome)) {
      throw invalid('outcome must be "captured", "authorized" or "failed"', 'outcome')
    }
    if (order.status === 'paid') throw refused('Order has already been paid')
    const failed = outcome === 'failed'
    const payment: PaymentEntity = {
      id: newId('pay'),
      entity: 'payment',
      amount: order.amount,
      currency: order.currency,
      status: failed ? 'failed' : 'authorized',
      order_id: order.id,
      invoice_id: null,
      international: false,
      method: 'upi',
      amount_refunded: 0,
      refund_status: null,
      captured: false,
      description: null,
      card_id: null,
      bank: null,
      wallet: null,
      // Razorpay's test VPAs for a payment that succeeds and one that fails.
      vpa: failed ? 'failure@razorpay' : 'success@razorpay',
      email: 'void@razorpay.com',
      contact: '+919000090000',
      notes: [],
      fee: null,
      tax: null,
      error_code: failed ? 'BAD_REQUEST_ERROR' : null,
      error_description: failed
        ? 'Payment was declined by the bank. Try another payment method or contact your bank.'
        : null,
      error_source: failed ? 'bank' : null,
      error_step: failed ? 'payment_authorization' : null,
      error_reason: failed ? 'payment_declined' : null,
      acquirer_data: failed
        ? { rrn: null, upi_transaction_id: null }
        : { rrn: digits(12), upi_transaction_id: digits(32) },
      created_at: unixSeconds(),
    }
    payments.set(payment.id, payment)
    order.attempts++
    order.status = 'attempted'
    if (failed) {
      emit([{ event: 'payment.failed', payment }])
      return payment
    }
    if (outcome === 'authorized') {
      emit([{ event: 'payment.authorized', payment }])
      return payment
    }
    // Auto-capture: authorized, then captured at once, and the order paid.
    const authorized = structuredClone(payment)
    capture(payment)
    emit([
      { event: 'payment.authorized', payment: authorized },
      { event: 'payment.captured', payment },
      { event: 'order.paid', payment, order },
    ])
    return payment
  }

  function capturePayment(paymentId: string, body: Record<string, unknown>) {
    const payment = findPayment(paymentId)
    refuseExtraFields(body, ['amount', 'currency'])
    const amount = checkAmount(body.amount)
    const currency = checkCurrency(body.currency)
    if (payment.status === 'captured' || payment.status === 'refunded') {
      throw refused('This payment has already been captured')
    }
    if (payment.status !== 'authorized') {
      throw refused('Only payments which have been authorized and not yet captured can be captured')
    }
    if (amount !== payment.amount) {
      throw invalid('Capture amount must be equal to the amount authorized', 'amount')
    }
    if (currency !== payment.currency) {
      throw invalid('Capture currency must be equal to the currency authorized', 'currency')
    }
    const order = capture(payment)
    emit([
      { event: 'payment.captured', payment },
      { event: 'order.paid', payment, order },
    ])
    return payment
  }

  function recountRefunds(payment: PaymentEntity) {
    if (payment.amount_refunded === 0) {
      payment.refund_status = null
      payment.status = 'captured'
    } else if (payment.amount_refunded === payment.amount) {
      payment.refund_status = 'full'
      payment.status = 'refunded'
    } else {
      payment.refund_status = 'partial'
      payment.status = 'captured'
    }
  }

  function checkRefund(paymentId: string, body: Record<string, unknown>) {
    const payment = findPayment(paymentId)
    refuseExtraFields(body, ['amount', 'speed', 'notes', 'receipt'])
    const amount = body.amount === undefined ? null : checkAmount(body.amount)
    const speed = body.speed ?? 'normal'
    if (speed !== 'normal' && speed !== 'optimum') {
      throw invalid('The selected speed is invalid.', 'speed')
    }
    return {
      payment,
      amount,
      speed,
      notes: checkNotes(body.notes),
      receipt: checkReceipt(body.receipt),
    }
  }

  function createRefund(request: ReturnType<typeof checkRefund>): RefundEntity {
    const { payment } = request
    if (payment.status !== 'captured' && payment.status !== 'refunded') {
      throw refused('The payment status should be captured for action to be taken')
    }
    const refundable = payment.amount - payment.amount_refunded
    if (refundable === 0) throw refused('The payment has been fully refunded already')
    const amount = request.amount ?? refundable
    if (amount > refundable) {
      throw invalid(
        'The refund amount provided is greater than the amount captured and not yet refunded',
        'amount'
      )
    }
    const refund: RefundEntity = {
      id: newId('rfnd'),
      entity: 'refund',
      amount,
      currency: payment.currency,
      payment_id: payment.id,
      notes: request.notes,
      receipt: request.receipt,
      acquirer_data: { arn: null },
      created_at: unixSeconds(),
      batch_id: null,
      status: 'pending',
      speed_processed: 'normal',
      speed_requested: request.speed as RefundEntity['speed_requested'],
    }
    refunds.set(refund.id, refund)
    payment.amount_refunded += amount
    recountRefunds(payment)
    emit([{ event: 'refund.created', refund, payment }])
    track(settleRefund(refund, generation))
    return refund
  }

  /** A refund leaves `pending` after a while: processed (with its ARN), or failed and given back. */
  async function settleRefund(refund: RefundEntity, startedIn: number) {
    await pause(settings.refundProcessingMs)
    if (startedIn !== generation) return
    const payment = payments.get(refund.payment_id)!
    if (settings.refundOutcome === 'failed') {
      refund.status = 'failed'
      payment.amount_refunded -= refund.amount
      recountRefunds(payment)
      emit([{ event: 'refund.failed', refund, payment }])
      return
    }
    refund.status = 'processed'
    refund.acquirer_data.arn = digits(23)
    emit([{ event: 'refund.processed', refund, payment }])
  }

  /**
   * `X-Refund-Idempotency`: the first request with a key makes the refund;
   * the same request again answers that refund; another request with the
   * key is refused (400), and so is the same one while the first is still
   * being answered (409, to be retried). A refused request does not use up
   * its key.
   */
  async function refundPayment(request: IncomingMessage, paymentId: string) {
    const body = await readJsonBody(request)
    const key = request.headers['x-refund-idempotency']
    if (key === undefined) {
      const checked = checkRefund(paymentId, body)
      await pause(settings.responseDelayMs)
      return createRefund(checked)
    }
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
      throw refused(
        'The idempotency key must be at least 10 characters long and contain only letters, digits, hyphens and underscores'
      )
    }
    const fingerprint = `${paymentId} ${canonicalJson(body)}`
    const earlier = idempotency.get(key)
    if (earlier && earlier.fingerprint !== fingerprint) {
      throw refused('Different request with the same idempotency key has already been processed.')
    }
    if (earlier && earlier.refundId === null) {
      throw refused(
        'A request with the same idempotency key is being processed. Retry after a while.',
        409
      )
    }
    if (earlier) return refunds.get(earlier.refundId!)!
    const entry = { fingerprint, refundId: null as string | null }
    idempotency.set(key, entry)
    try {
      const checked = checkRefund(paymentId, body)
      await pause(settings.responseDelayMs)
      const refund = createRefund(checked)
      entry.refundId = refund.id
      return refund
    } catch (error) {
      if (idempotency.get(key) === entry) idempotency.delete(key)
      throw error
    }
  }

  const collection = <T>(items: T[]) => ({ entity: 'collection', count: items.length, items })

  function authenticate(request: IncomingMessage) {
    const header = request.headers.authorization ?? ''
    const match = /^Basic\s+(.+)$/i.exec(header)
    if (!match) {
      throw refused('Please provide your api key for authentication purposes.', 401)
    }
    const decoded = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const keyId = colon === -1 ? decoded : decoded.slice(0, colon)
    const keySecret = colon === -1 ? '' : decoded.slice(colon + 1)
    if (keyId !== settings.keyId) throw refused('The api key provided is invalid', 401)
    if (keySecret !== settings.keySecret) throw refused('Authentication failed', 401)
  }

  async function handleApi(request: IncomingMessage, response: ServerResponse, path: string) {
    authenticate(request)
    if (settings.serverErrors > 0) {
      settings.serverErrors--
      throw refused(
        'The server encountered an error. The incident has been reported to admins.',
        503,
        'SERVER_ERROR'
      )
    }
    const method = request.method ?? 'GET'
    const segments = path.split('/').filter(Boolean).slice(1)
    const [resource, id, action] = segments
    const answer = (body: unknown) => sendJson(response, 200, body)
    const slowly = async <T>(work: () => T) => {
      await pause(settings.responseDelayMs)
      return work()
    }

    if (resource === 'orders' && segments.length === 1 && method === 'POST') {
      const body = await readJsonBody(request)
      return answer(await slowly(() => createOrder(body)))
    }
    if (resource === 'orders' && segments.length === 2 && method === 'GET') {
      return answer(await slowly(() => findOrder(id)))
    }
    if (
      resource === 'orders' &&
      action === 'payments' &&
      segments.length === 3 &&
      method === 'GET'
    ) {
      return answer(
        await slowly(() => {
          findOrder(id)
          return collection([...payments.values()].filter((p) => p.order_id === id).reverse())
        })
      )
    }
    if (resource === 'payments' && segments.length === 2 && method === 'GET') {
      return answer(await slowly(() => findPayment(id)))
    }
    if (
      resource === 'payments' &&
      action === 'capture' &&
      segments.length === 3 &&
      method === 'POST'
    ) {
      const body = await readJsonBody(request)
      return answer(await slowly(() => capturePayment(id, body)))
    }
    if (
      resource === 'payments' &&
      action === 'refund' &&
      segments.length === 3 &&
      method === 'POST'
    ) {
      return answer(await refundPayment(request, id))
    }
    if (
      resource === 'payments' &&
      action === 'refunds' &&
      segments.length === 3 &&
      method === 'GET'
    ) {
      return answer(
        await slowly(() => {
          findPayment(id)
          return collection([...refunds.values()].filter((r) => r.payment_id === id).reverse())
        })
      )
    }
    if (resource === 'refunds' && segments.length === 2 && method === 'GET') {
      return answer(
        await slowly(() => {
          const refund = refunds.get(id)
          if (!refund) throw notFound()
          return refund
        })
      )
    }
    throw refused('The requested URL was not found on the server.', 404)
  }

  // --- the fake Checkout

  function checkoutPage(order: OrderEntity, callbackUrl: string | null, callbackMethod: string) {
    const hidden = [
      callbackUrl
        ? `<input type="hidden" name="callback_url" value="${escapeHtml(callbackUrl)}">`
        : '',
      `<input type="hidden" name="callback_method" value="${escapeHtml(callbackMethod)}">`,
    ].join('\n')
    const receipt = order.receipt ? `<dt>Receipt</dt><dd>${escapeHtml(order.receipt)}</dd>` : ''
    const form =
      order.status === 'paid'
        ? '<p>This order has already been paid.</p>'
        : `<form method="post" action="/_standin/checkout/${encodeURIComponent(order.id)}">
${hidden}
<button type="submit" name="outcome" value="captured">Pay ${escapeHtml(rupees(order.amount))}</button>
<button type="submit" name="outcome" value="failed">Fail</button>
</form>`
    return page(
      `Pay ${rupees(order.amount)}`,
      `<h1>Pay ${escapeHtml(rupees(order.amount))}</h1>
<dl><dt>Order</dt><dd>${escapeHtml(order.id)}</dd>${receipt}<dt>Account</dt><dd>${escapeHtml(settings.accountId)}</dd></dl>
${form}`
    )
  }

  /** What Checkout hands the merchant's page after an attempt. */
  function callbackFields(payment: PaymentEntity): Array<[string, string]> {
    if (payment.status === 'failed') {
      return [
        ['error[code]', payment.error_code ?? ''],
        ['error[description]', payment.error_description ?? ''],
        ['error[source]', payment.error_source ?? ''],
        ['error[step]', payment.error_step ?? ''],
        ['error[reason]', payment.error_reason ?? ''],
        ['error[metadata]', JSON.stringify({ payment_id: payment.id, order_id: payment.order_id })],
      ]
    }
    return [
      ['razorpay_payment_id', payment.id],
      ['razorpay_order_id', payment.order_id],
      [
        'razorpay_signature',
        razorpaySignature(`${payment.order_id}|${payment.id}`, settings.keySecret),
      ],
    ]
  }

  async function handleCheckout(
    request: IncomingMessage,
    response: ServerResponse,
    orderId: string,
    query: URLSearchParams
  ) {
    const order = orders.get(orderId)
    if (!order) return sendHtml(response, 404, page('No such order', '<p>No such order.</p>'))
    if (request.method === 'GET') {
      const callbackUrl = query.get('callback_url')
      if (callbackUrl !== null && !httpUrl(callbackUrl)) {
        return sendHtml(
          response,
          400,
          page('Bad callback', '<p>callback_url must be an http(s) URL.</p>')
        )
      }
      const method = query.get('callback_method') === 'get' ? 'get' : 'post'
      return sendHtml(response, 200, checkoutPage(order, callbackUrl, method))
    }
    if (request.method !== 'POST') return sendHtml(response, 405, page('No', '<p>GET or POST.</p>'))
    const form = await readFormBody(request)
    const callbackUrl = httpUrl(form.get('callback_url'))
    const outcome = form.get('outcome') as PaymentOutcome
    let payment: PaymentEntity
    try {
      payment = pay(orderId, outcome)
    } catch (error) {
      if (!(error instanceof Refused)) throw error
      return sendHtml(response, 400, page('Not paid', `<p>${escapeHtml(error.message)}</p>`))
    }
    const fields = callbackFields(payment)
    if (!callbackUrl) {
      const rows = fields
        .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`)
        .join('')
      return sendHtml(response, 200, page('Done', `<h1>${payment.status}</h1><dl>${rows}</dl>`))
    }
    if (form.get('callback_method') === 'get') {
      for (const [name, value] of fields) callbackUrl.searchParams.append(name, value)
      response.writeHead(303, { Location: callbackUrl.href })
      return response.end()
    }
    // As Checkout does with `redirect: true`: the browser POSTs the fields to the merchant.
    const inputs = fields
      .map(
        ([name, value]) =>
          `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`
      )
      .join('\n')
    return sendHtml(
      response,
      200,
      page(
        'Returning to the merchant',
        `<form id="callback" method="post" action="${escapeHtml(callbackUrl.href)}">
${inputs}
<button type="submit">Continue</button>
</form>
<script>document.getElementById('callback').submit()</script>`
      )
    )
  }

  // --- control

  function state(): RazorpayState {
    return structuredClone({
      orders: [...orders.values()],
      payments: [...payments.values()],
      refunds: [...refunds.values()],
    })
  }

  async function handleControl(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: URLSearchParams
  ) {
    const checkout = /^\/_standin\/checkout\/([^/]+)$/.exec(path)
    if (checkout) return handleCheckout(request, response, decodeURIComponent(checkout[1]), query)
    const action = path.slice('/_standin/'.length)
    if (request.method === 'GET' && action === 'state') return sendJson(response, 200, state())
    if (request.method === 'GET' && action === 'webhooks') {
      return sendJson(response, 200, {
        webhook_url: settings.webhookUrl,
        posted: posted.map(({ raw: _raw, ...post }) => post),
      })
    }
    if (request.method !== 'POST') return sendJson(response, 404, { error: `No ${path}` })
    const orderPay = /^orders\/([^/]+)\/pay$/.exec(action)
    if (orderPay) {
      const body = await readJsonBody(request)
      return sendJson(
        response,
        200,
        pay(decodeURIComponent(orderPay[1]), body.outcome as PaymentOutcome)
      )
    }
    if (action === 'reset') {
      reset()
      return sendJson(response, 200, { reset: true })
    }
    if (action === 'config') {
      const patch = behaviourFromJson(await readJsonBody(request))
      if (typeof patch === 'string') return sendJson(response, 400, { error: patch })
      configure(patch)
      return sendJson(response, 200, { configured: Object.keys(patch) })
    }
    return sendJson(response, 404, { error: `No ${path}` })
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://stand-in')
    if (url.pathname.startsWith('/_standin/')) {
      return handleControl(request, response, url.pathname, url.searchParams)
    }
    if (url.pathname.startsWith('/v1/')) return handleApi(request, response, url.pathname)
    throw refused('The requested URL was not found on the server.', 404)
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (response.headersSent) return response.destroy()
      if (error instanceof Refused) return sendJson(response, error.status, error.body)
      sendJson(response, 500, {
        error: {
          code: 'SERVER_ERROR',
          description: `The stand-in failed: ${error instanceof Error ? error.message : String(error)}`,
          source: 'NA',
          step: 'NA',
          reason: 'NA',
          metadata: {},
        },
      })
    })
  })
  await new Promise<void>((resolve, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, settings.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const baseUrl = `http://${settings.host}:${port}`

  function reset() {
    generation++
    for (const [timer, resolve] of timers) {
      clearTimeout(timer)
      resolve()
    }
    timers.clear()
    orders.clear()
    payments.clear()
    refunds.clear()
    receipts.clear()
    idempotency.clear()
    posted = []
  }

  return {
    url: baseUrl,
    port,
    keyId: settings.keyId,
    keySecret: settings.keySecret,
    accountId: settings.accountId,
    configure,
    state,
    pay: (orderId, outcome) => structuredClone(pay(orderId, outcome)),
    checkoutUrl(orderId, callbackUrl, callbackMethod) {
      const url = new URL(`/_standin/checkout/${encodeURIComponent(orderId)}`, baseUrl)
      if (callbackUrl) url.searchParams.set('callback_url', callbackUrl)
      if (callbackMethod) url.searchParams.set('callback_method', callbackMethod)
      return url.href
    },
    webhooksPosted: () => [...posted],
    async webhooksSettled() {
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
    reset,
    async close() {
      reset()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** `POST /_standin/config`'s snake_case fields, checked; a sentence when one is wrong. */
function behaviourFromJson(body: Record<string, unknown>): RazorpayBehaviour | string {
  const patch: RazorpayBehaviour = {}
  const numbers: Record<string, keyof RazorpayBehaviour> = {
    duplicates: 'duplicates',
    delay_ms: 'delayMs',
    server_errors: 'serverErrors',
    response_delay_ms: 'responseDelayMs',
    refund_processing_ms: 'refundProcessingMs',
  }
  for (const [key, value] of Object.entries(body)) {
    if (key in numbers) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        return `${key} must be a whole number of at least 0`
      }
      Object.assign(patch, { [numbers[key]]: value })
    } else if (key === 'reorder') {
      if (typeof value !== 'boolean') return 'reorder must be true or false'
      patch.reorder = value
    } else if (key === 'webhook_url') {
      if (value !== null && (typeof value !== 'string' || !httpUrl(value))) {
        return 'webhook_url must be an http(s) URL or null'
      }
      patch.webhookUrl = value as string | null
    } else if (key === 'webhook_secret') {
      if (value !== null && (typeof value !== 'string' || value === '')) {
        return 'webhook_secret must be a non-empty string or null'
      }
      patch.webhookSecret = value as string | null
    } else if (key === 'refund_outcome') {
      if (value !== 'processed' && value !== 'failed') {
        return 'refund_outcome must be "processed" or "failed"'
      }
      patch.refundOutcome = value
    } else {
      return `Unknown setting "${key}"`
    }
  }
  return patch
}

/** Runs the stand-in from the command line (the demo), until SIGINT or SIGTERM. */
export async function main(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'port': { type: 'string', default: '4020' },
      'host': { type: 'string' },
      'key-id': { type: 'string' },
      'key-secret': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
    },
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be a port number; got "${values.port}"`)
  }
  const standIn = await startRazorpayStandIn({
    port,
    host: values.host,
    keyId: values['key-id'],
    keySecret: values['key-secret'],
    webhookUrl: values['webhook-url'],
    webhookSecret: values['webhook-secret'],
  })
  process.stdout.write(
    [
      `Razorpay stand-in listening on ${standIn.url}`,
      `  key id: ${standIn.keyId}`,
      `  key secret: ${standIn.keySecret}`,
      `  webhook: ${values['webhook-url'] ?? '(none: POST /_standin/config { webhook_url, webhook_secret })'}`,
      `  checkout: ${standIn.url}/_standin/checkout/<order_id>?callback_url=<your page>`,
      `  control: GET /_standin/state, GET /_standin/webhooks, POST /_standin/config, /_standin/reset, /_standin/orders/<id>/pay`,
      '',
    ].join('\n')
  )
  const stop = () => void standIn.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return standIn
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
