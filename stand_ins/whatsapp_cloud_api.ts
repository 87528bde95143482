import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { type StandInResponse, standInRequest } from './http_client.js'

/**
 * A local stand-in for Meta's WhatsApp Business Cloud API (the Graph API's
 * `/<version>/<phone_number_id>/messages` and `/media`), speaking the real
 * protocol: Bearer tokens, Graph error bodies, `wamid.` message ids, the
 * document link fetched the way Meta's media fetcher does, and status
 * notifications POSTed back signed with `X-Hub-Signature-256` (echoing the
 * send's `biz_opaque_callback_data`). Failures (131026 numbers, 130429 above
 * a rate, 131056, account-level 131031/131042/368/190/131045, 503s with
 * Retry-After), throughput limits and webhook disorder (delays, reordering,
 * duplicates, batching, unknown fields), refused `/media` uploads (131053,
 * 503) and media ids that expired or belong to another number are configurable so the app's
 * delivery code can be tested against what Meta really does. `/_standin/*`
 * (see `handleControl`) shows what it received and changes it at run time,
 * for the demo and outside acceptance tests.
 */

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed'

/** An approved template as Meta would hold it; requests are checked against it. */
export interface TemplateDefinition {
  name: string
  /** Language code, e.g. `en` or `en_US`. */
  language: string
  /** `document` when the template was approved with a DOCUMENT header. */
  header?: 'document' | 'none'
  /** How many `{{n}}` variables the body has. */
  bodyParameters?: number
  /** Category, echoed in the status notifications' conversation and pricing. */
  category?: 'utility' | 'marketing' | 'authentication'
}

export interface WhatsAppStandInOptions {
  /** 0 (default) picks a free port. */
  port?: number
  host?: string
  /** The Bearer token requests must carry. */
  accessToken?: string
  /** Phone number ids this token may send from; any other gets Graph error 100. */
  phoneNumberIds?: string[]
  wabaId?: string
  displayPhoneNumber?: string
  /** Signs notifications (`X-Hub-Signature-256`); Meta's "app secret". */
  appSecret?: string
  /** Where status notifications are POSTed; none are posted without it. */
  webhookUrl?: string
  /** Recipients whose messages are accepted, sent, then fail with 131026. */
  undeliverable?: string[] | ((to: string) => boolean)
  /** Recipients with an open 24-hour customer service window (text and document messages need one). */
  openServiceWindows?: string[] | ((to: string) => boolean)
  /** Messages accepted per clock second per phone number; above it, error 130429. Meta's default is 80. */
  ratePerSecond?: number
  /** Messages to one recipient per window; above it, error 131056. Off unless given. */
  pairRatePerRecipient?: { messages: number; perMs: number }
  /** Approved templates; when given, others get 132001 and wrong parameter counts 132000. */
  templates?: TemplateDefinition[]
  /** Statuses notified per message, in order, when nothing else decides (default sent, delivered, read). */
  statuses?: StatusName[] | ((message: SentMessage) => StatusName[])
  /** Pause before each status notification of a message (default 20 ms). */
  delayMs?: number
  /** Shuffle each message's statuses (Meta does not promise order). */
  reorder?: boolean
  /** Post every notification this many times (default 1: once). */
  duplicates?: number
  /** Gather up to this many statuses, across messages, into one notification (default 1). */
  batch?: number
  /** How long a batch waits for more statuses before it is posted (default 30 ms). */
  batchWindowMs?: number
  /** Add fields the app has never seen to notifications and responses. */
  extraFields?: boolean
  /** GET the document header's link before sending, as Meta does (default true). */
  fetchDocuments?: boolean
  documentFetchTimeoutMs?: number
  /** Re-post a notification the webhook did not answer with 2xx (default 2 more tries). */
  webhookRetries?: number
  webhookRetryDelayMs?: number
  webhookTimeoutMs?: number
  /** Randomness for `reorder` (default Math.random); tests pass their own to be deterministic. */
  random?: () => number
  /**
   * An account-level refusal of every send from now on: 131031 (account
   * locked), 131042 (payment problem), 368 (policy block), 190 (token
   * expired), 131045 (number not registered). Null lifts it.
   */
  accountError?: AccountErrorCode | null
  /** Answer the next this many sends with HTTP 503 (Meta's own trouble), then recover. */
  serverErrors?: number
  /** `Retry-After` (seconds) sent with 130429 and 503 answers; none unless given. */
  retryAfterSeconds?: number
  /**
   * Refuse every `/media` upload while set: `upload_error` is Meta's 131053
   * (the file could not be processed), `server_error` an HTTP 503. Null lifts it.
   */
  failMediaUploads?: MediaUploadFailure | null
  /** The largest document `/media` takes, in bytes (Meta's: 100 MB); tests lower it. */
  maxMediaBytes?: number
  /** How long an uploaded media id can be sent (Meta's: 30 days). */
  mediaTtlMs?: number
}

export type MediaUploadFailure = 'upload_error' | 'server_error'

export type AccountErrorCode = 131031 | 131042 | 368 | 190 | 131045

export interface DocumentReference {
  link?: string
  id?: string
  filename?: string
}

export interface SentMessage {
  wamid: string
  phoneNumberId: string
  graphVersion: string
  /** `to` as the request gave it. */
  to: string
  /** The normalized number (Meta's `wa_id`, `recipient_id`). */
  waId: string
  type: 'template' | 'text' | 'document'
  template?: { name: string; language: string; components: unknown[] }
  text?: string
  document?: DocumentReference
  /** The sender's `biz_opaque_callback_data`, echoed in every status notification of the message. */
  callbackData?: string
  receivedAt: Date
  /** Statuses notified so far, in the order they were posted. */
  statuses: StatusName[]
}

export interface PostedWebhook {
  body: Record<string, unknown>
  raw: string
  signature: string
  /** wamid and status of every status in the notification. */
  statuses: Array<{ id: string; status: StatusName }>
  /** 1 for the first copy; duplicates and retries count up. */
  attempt: number
  /** The webhook's HTTP status, or null when it could not be reached. */
  responseStatus: number | null
  error?: string
  postedAt: Date
}

export interface FetchedDocument {
  wamid: string
  url: string
  finalUrl: string
  redirects: number
  status: number | null
  contentType: string | null
  size: number
  sha256: string | null
  /** Why Meta would refuse it (the 131053 details), when it would. */
  failure?: string
  fetchedAt: Date
}

export interface MediaUpload {
  id: string
  phoneNumberId: string
  type: string
  filename: string | null
  bytes: Buffer
  sha256: string
  uploadedAt: Date
}

export interface RejectedRequest {
  path: string
  httpStatus: number
  code: number
  to?: string
  at: Date
}

export interface WhatsAppStandIn {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; the app appends `/<version>/<phone_number_id>/messages`. */
  url: string
  sent: SentMessage[]
  webhooksPosted: PostedWebhook[]
  fetchedDocuments: FetchedDocument[]
  mediaUploads: MediaUpload[]
  rejected: RejectedRequest[]
  /** Accepted and rejected message requests per clock second (key: unix seconds). */
  perSecond: Map<number, { accepted: number; rejected: number }>
  /** Change options while running (e.g. a lower rate for one phase). */
  configure(options: Partial<WhatsAppStandInOptions>): void
  /** Resolves once every accepted message's notifications have been posted. */
  idle(): Promise<void>
  /** Forget everything recorded; notifications still pending are dropped. */
  reset(): void
  /** Meta's subscription check: GET the webhook with hub.* and expect the challenge back. */
  verifySubscription(verifyToken: string): Promise<{ status: number; echoed: boolean }>
  close(): Promise<void>
}

interface GraphError {
  httpStatus: number
  message: string
  type: 'OAuthException' | 'GraphMethodException'
  code: number
  subcode?: number
  details?: string
  /** Extra response headers (`Retry-After`). */
  headers?: Record<string, string>
}

interface StatusStep {
  status: StatusName
  error?: { code: number; title: string; details: string }
}

/** A status waiting in a batch, with the message it belongs to. */
interface PendingStatus {
  message: SentMessage
  payload: Record<string, unknown>
  step: StatusStep
}

const FETCHER_USER_AGENT = 'facebookexternalua'
const WEBHOOK_USER_AGENT = 'facebookplatform/1.0 (+http://developers.facebook.com)'
const MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
const MAX_JSON_BYTES = 1024 * 1024
const MAX_REDIRECTS = 3
const SUPPORTED_MEDIA_TYPES = [
  'application/pdf',
  'text/plain',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'image/jpeg',
  'image/png',
]

const ERROR_TITLES: Record<number, string> = {
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131053: 'Media upload error',
}

const defaults = {
  host: '127.0.0.1',
  accessToken: 'standin-access-token',
  phoneNumberIds: ['106540352242922'],
  wabaId: '102290129340398',
  displayPhoneNumber: '15550783881',
  appSecret: 'standin-app-secret',
  ratePerSecond: 80,
  delayMs: 20,
  reorder: false,
  duplicates: 1,
  batch: 1,
  batchWindowMs: 30,
  extraFields: false,
  fetchDocuments: true,
  documentFetchTimeoutMs: 10_000,
  webhookRetries: 2,
  webhookRetryDelayMs: 500,
  webhookTimeoutMs: 5_000,
  random: Math.random,
  accountError: null as AccountErrorCode | null,
  serverErrors: 0,
  failMediaUploads: null as MediaUploadFailure | null,
  maxMediaBytes: MAX_DOCUMENT_BYTES,
  mediaTtlMs: 30 * 24 * 3600 * 1000,
}

type Settings = typeof defaults & Omit<WhatsAppStandInOptions, keyof typeof defaults>

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')
const unixSeconds = (date = new Date()) => String(Math.floor(date.getTime() / 1000))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const fbtraceId = () => randomBytes(8).toString('base64url').slice(0, 11)

/** Meta's numbers: digits with the country code; `+`, spaces, dashes and brackets are dropped. */
function normalizeNumber(to: string) {
  return to.replace(/[\s()+-]/g, '')
}

/** The same layout as Meta's ids: a small protobuf holding the recipient and an 18-hex-digit key. */
function newWamid(waId: string) {
  const key = randomBytes(9).toString('hex').toUpperCase()
  const bytes = Buffer.concat([
    Buffer.from([0x1c, 0x18, waId.length]),
    Buffer.from(waId, 'latin1'),
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, key.length]),
    Buffer.from(key, 'latin1'),
    Buffer.from([0x00]),
  ])
  return `wamid.${bytes.toString('base64')}`
}

function matches(list: string[] | ((to: string) => boolean) | undefined, waId: string) {
  if (!list) return false
  if (typeof list === 'function') return list(waId)
  return list.some((number) => normalizeNumber(number) === waId)
}

function shuffle<T>(items: T[], random: () => number) {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
) {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'x-fb-trace-id': fbtraceId(),
    ...headers,
  })
  response.end(JSON.stringify(body))
}

/** The Graph error body, with the WWW-Authenticate header Graph sends alongside. */
function sendGraphError(response: ServerResponse, error: GraphError) {
  const body: Record<string, unknown> = {
    message: error.message,
    type: error.type,
    code: error.code,
  }
  if (error.details !== undefined) {
    body.error_data = { messaging_product: 'whatsapp', details: error.details }
  }
  if (error.subcode !== undefined) body.error_subcode = error.subcode
  body.fbtrace_id = fbtraceId()
  const reason = error.code === 190 ? 'invalid_token' : 'invalid_request'
  sendJson(
    response,
    error.httpStatus,
    { error: body },
    {
      'WWW-Authenticate': `OAuth "Facebook Platform" "${reason}" "${error.message}"`,
      ...error.headers,
    }
  )
}

/** The errors Meta answers every send with once the account itself cannot send. */
const ACCOUNT_ERRORS: Record<AccountErrorCode, GraphError> = {
  131031: {
    httpStatus: 400,
    message: '(#131031) Business Account locked',
    type: 'OAuthException',
    code: 131031,
    details:
      'Your WhatsApp Business Account has been locked for violating the WhatsApp Business Messaging Policy.',
  },
  131042: {
    httpStatus: 400,
    message: '(#131042) Business eligibility payment issue',
    type: 'OAuthException',
    code: 131042,
    details:
      'Message failed to send because there were one or more errors related to your payment method.',
  },
  368: {
    httpStatus: 400,
    message: '(#368) Temporarily blocked for policies violations',
    type: 'OAuthException',
    code: 368,
    details:
      'The WhatsApp Business Account has been restricted or disabled for violating a platform policy.',
  },
  190: {
    httpStatus: 401,
    message: 'Error validating access token: Session has expired.',
    type: 'OAuthException',
    code: 190,
    subcode: 463,
  },
  131045: {
    httpStatus: 400,
    message: '(#131045) Incorrect certificate',
    type: 'OAuthException',
    code: 131045,
    details: 'Message failed to send due to a phone number registration error.',
  },
}

const invalidParameter = (details: string): GraphError => ({
  httpStatus: 400,
  message: '(#100) Invalid parameter',
  type: 'OAuthException',
  code: 100,
  details,
})

const requiredParameter = (name: string): GraphError => ({
  httpStatus: 400,
  message: `(#100) The parameter ${name} is required.`,
  type: 'OAuthException',
  code: 100,
})

const whatsappError = (code: number, message: string, details: string): GraphError => ({
  httpStatus: 400,
  message: `(#${code}) ${message}`,
  type: 'OAuthException',
  code,
  details,
})

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += chunk.length
    if (size > limit) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

interface MultipartPart {
  name: string
  filename: string | null
  contentType: string | null
  data: Buffer
}

/** multipart/form-data as RFC 7578 writes it; enough for what clients send to /media. */
function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: MultipartPart[] = []
  let start = body.indexOf(delimiter)
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break
    const next = body.indexOf(delimiter, afterDelimiter)
    if (next === -1) break
    // Each part sits between the delimiter's CRLF and the CRLF before the next delimiter.
    const part = body.subarray(afterDelimiter + 2, next - 2)
    const headerEnd = part.indexOf('\r\n\r\n')
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8')
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? ''
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1]
      if (name !== undefined) {
        parts.push({
          name,
          filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
          contentType: /content-type:\s*([^\r\n;]*)/i.exec(headers)?.[1]?.trim() ?? null,
          data: part.subarray(headerEnd + 4),
        })
      }
    }
    start = next
  }
  return parts
}

const mediaUploadError = (details: string) => whatsappError(131053, 'Media upload error', details)

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Meta refuses these in template text parameters. */
const BAD_TEXT_PARAMETER = /[\n\t]| {5,}/

type Validated =
  | { ok: true; message: Omit<SentMessage, 'wamid' | 'receivedAt' | 'statuses'> }
  | { ok: false; error: GraphError }

function validateDocument(value: unknown, where: string): DocumentReference | GraphError {
  if (!isObject(value)) return requiredParameter(`${where}`)
  const { link, id, filename } = value
  if (link === undefined && id === undefined) {
    return invalidParameter(`${where} needs either 'link' or 'id'`)
  }
  if (link !== undefined && id !== undefined) {
    return invalidParameter(`${where} takes 'link' or 'id', not both`)
  }
  if (link !== undefined) {
    if (typeof link !== 'string' || !/^https?:\/\//i.test(link)) {
      return invalidParameter(`${where}.link must be an absolute http(s) URL`)
    }
    try {
      new URL(link)
    } catch {
      return invalidParameter(`${where}.link is not a valid URL`)
    }
  }
  if (id !== undefined && (typeof id !== 'string' || !/^\d+$/.test(id))) {
    return invalidParameter(`${where}.id must be a media id (digits)`)
  }
  if (filename !== undefined && typeof filename !== 'string') {
    return invalidParameter(`${where}.filename must be a string`)
  }
  return {
    link: link as string | undefined,
    id: id as string | undefined,
    filename: filename as string | undefined,
  }
}

const isGraphError = (value: unknown): value is GraphError =>
  isObject(value) && typeof value.httpStatus === 'number'

function validateTemplate(
  template: unknown,
  approved: TemplateDefinition[] | undefined
): GraphError | { template: NonNullable<SentMessage['template']>; document?: DocumentReference } {
  if (!isObject(template)) return requiredParameter('template')
  const { name, language, components = [] } = template
  if (typeof name !== 'string' || name === '') return requiredParameter('template.name')
  if (!isObject(language) || typeof language.code !== 'string') {
    return requiredParameter('template.language.code')
  }
  if (!Array.isArray(components)) return invalidParameter('template.components must be an array')
  let document: DocumentReference | undefined
  let headerParameters = 0
  let bodyParameters = 0
  for (const [index, component] of components.entries()) {
    const where = `template.components[${index}]`
    if (!isObject(component) || typeof component.type !== 'string') {
      return requiredParameter(`${where}.type`)
    }
    const parameters = component.parameters ?? []
    if (!Array.isArray(parameters)) return invalidParameter(`${where}.parameters must be an array`)
    const type = component.type.toLowerCase()
    for (const [p, parameter] of parameters.entries()) {
      const at = `${where}.parameters[${p}]`
      if (!isObject(parameter) || typeof parameter.type !== 'string') {
        return requiredParameter(`${at}.type`)
      }
      if (parameter.type === 'text') {
        if (typeof parameter.text !== 'string' || parameter.text === '') {
          return invalidParameter(
            "Parameter 'text' is mandatory for component parameter type 'text'"
          )
        }
        if (BAD_TEXT_PARAMETER.test(parameter.text)) {
          return whatsappError(
            132018,
            'There was an issue with the parameters in your template.',
            'Param text cannot have new-line/tab characters or more than 4 consecutive spaces'
          )
        }
      } else if (parameter.type === 'document') {
        const reference = validateDocument(parameter.document, `${at}.document`)
        if (isGraphError(reference)) return reference
        document = reference
      }
    }
    if (type === 'header') headerParameters += parameters.length
    if (type === 'body') bodyParameters += parameters.length
  }
  const record = { name, language: language.code, components }
  if (!approved) return { template: record, document }

  const definition = approved.find((t) => t.name === name && t.language === language.code)
  if (!definition) {
    return whatsappError(
      132001,
      'Template name does not exist in the translation',
      `template name (${name}) does not exist in ${language.code}`
    )
  }
  const expectedBody = definition.bodyParameters ?? 0
  if (bodyParameters !== expectedBody) {
    return whatsappError(
      132000,
      'Number of parameters does not match the expected number of params',
      `body: number of localizable_params (${bodyParameters}) does not match the expected number of params (${expectedBody})`
    )
  }
  const expectedHeader = definition.header === 'document' ? 1 : 0
  if (expectedHeader === 1 && !document) {
    return whatsappError(
      132012,
      'Parameter format does not match format in the created template',
      'header: Format mismatch, expected DOCUMENT, received UNKNOWN'
    )
  }
  if (headerParameters !== expectedHeader) {
    return whatsappError(
      132000,
      'Number of parameters does not match the expected number of params',
      `header: number of localizable_params (${headerParameters}) does not match the expected number of params (${expectedHeader})`
    )
  }
  return { template: record, document }
}

function validateMessage(
  body: unknown,
  phoneNumberId: string,
  graphVersion: string,
  approved: TemplateDefinition[] | undefined
): Validated {
  const fail = (error: GraphError): Validated => ({ ok: false, error })
  if (!isObject(body) || body.messaging_product === undefined) {
    return fail(requiredParameter('messaging_product'))
  }
  if (body.messaging_product !== 'whatsapp') {
    return fail({
      httpStatus: 400,
      message: `(#100) Param messaging_product must be one of {WHATSAPP} - got "${String(body.messaging_product)}".`,
      type: 'OAuthException',
      code: 100,
    })
  }
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
    return fail(invalidParameter(`recipient_type must be 'individual'`))
  }
  if (body.to === undefined) return fail(requiredParameter('to'))
  if (typeof body.to !== 'string') return fail(invalidParameter(`'to' must be a string`))
  const waId = normalizeNumber(body.to)
  if (!/^\d{7,15}$/.test(waId)) {
    return fail(
      invalidParameter(
        `'to' must be a phone number with its country code, 7 to 15 digits; got "${body.to}"`
      )
    )
  }
  const callbackData = body.biz_opaque_callback_data
  if (
    callbackData !== undefined &&
    (typeof callbackData !== 'string' || callbackData.length > 512)
  ) {
    return fail(
      invalidParameter('biz_opaque_callback_data must be a string of at most 512 characters')
    )
  }
  // Graph's default type is text.
  const type = body.type ?? 'text'
  const base = {
    phoneNumberId,
    graphVersion,
    to: body.to,
    waId,
    ...(callbackData !== undefined ? { callbackData } : {}),
  }
  if (type === 'template') {
    const checked = validateTemplate(body.template, approved)
    if (isGraphError(checked)) return fail(checked)
    return { ok: true, message: { ...base, type, ...checked } }
  }
  if (type === 'text') {
    const text = body.text
    if (!isObject(text) || typeof text.body !== 'string')
      return fail(requiredParameter('text.body'))
    if (text.body.length === 0 || text.body.length > 4096) {
      return fail(invalidParameter('text.body must have 1 to 4096 characters'))
    }
    return { ok: true, message: { ...base, type, text: text.body } }
  }
  if (type === 'document') {
    const document = validateDocument(body.document, 'document')
    if (isGraphError(document)) return fail(document)
    return { ok: true, message: { ...base, type, document } }
  }
  // The real API takes more types; Authentix sends none of them.
  return fail({
    httpStatus: 400,
    message: `(#100) Param type must be one of {DOCUMENT, TEMPLATE, TEXT} - got "${String(type)}".`,
    type: 'OAuthException',
    code: 100,
  })
}

/** `X-Hub-Signature-256` as Meta computes it: HMAC-SHA256 of the raw body with the app secret. */
export function hubSignature256(raw: string | Buffer, appSecret: string) {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`
}

/**
 * One entry of a notification's `statuses`, in Meta's shape. Exported so tests
 * can hand-craft notifications (replays, orderings, bad signatures) that look
 * exactly like the ones the stand-in posts.
 */
export function statusObject(input: {
  wamid: string
  status: StatusName
  recipientId: string
  timestamp?: Date
  /** Present on `sent` and `delivered`; `expiresAt` (unix seconds) on `sent` only. */
  conversation?: { id: string; expiresAt?: number; category: string }
  error?: { code: number; title: string; details: string }
  /** The send's `biz_opaque_callback_data`, echoed back. */
  callbackData?: string
  extraFields?: boolean
}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    id: input.wamid,
    status: input.status,
    timestamp: unixSeconds(input.timestamp),
    recipient_id: input.recipientId,
  }
  if (input.callbackData !== undefined) payload.biz_opaque_callback_data = input.callbackData
  if (input.conversation) {
    const { id, expiresAt, category } = input.conversation
    payload.conversation = {
      id,
      ...(expiresAt !== undefined ? { expiration_timestamp: String(expiresAt) } : {}),
      origin: { type: category },
    }
    payload.pricing = { billable: true, pricing_model: 'PMP', category, type: 'regular' }
  }
  if (input.error) {
    payload.errors = [
      {
        code: input.error.code,
        title: input.error.title,
        message: input.error.title,
        error_data: { details: input.error.details },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ]
  }
  if (input.extraFields) {
    payload.biz_opaque_callback_data_v9 = 'a field from a newer API version'
    payload.x_standin_future = { nested: [1, 2, 3] }
  }
  return payload
}

/** A whole notification: one entry for the WABA, one change per phone number id. */
export function statusNotification(input: {
  wabaId: string
  displayPhoneNumber: string
  statuses: Array<{ phoneNumberId: string; status: Record<string, unknown> }>
  extraFields?: boolean
}): Record<string, unknown> {
  const byNumber = new Map<string, Array<Record<string, unknown>>>()
  for (const { phoneNumberId, status } of input.statuses) {
    byNumber.set(phoneNumberId, [...(byNumber.get(phoneNumberId) ?? []), status])
  }
  const changes = [...byNumber].map(([phoneNumberId, statuses]) => {
    const value: Record<string, unknown> = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: input.displayPhoneNumber, phone_number_id: phoneNumberId },
      statuses,
    }
    if (input.extraFields) value.x_standin_future = 'unknown value-level field'
    return { value, field: 'messages' }
  })
  const entry: Record<string, unknown> = { id: input.wabaId, changes }
  const body: Record<string, unknown> = { object: 'whatsapp_business_account', entry: [entry] }
  if (input.extraFields) {
    entry.time = Math.floor(Date.now() / 1000)
    body.x_standin_future = { unknown: true }
  }
  return body
}

export async function startWhatsAppStandIn(
  options: WhatsAppStandInOptions = {}
): Promise<WhatsAppStandIn> {
  const settings: Settings = { ...defaults }
  const configure = (patch: Partial<WhatsAppStandInOptions>) => {
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined || !(key in defaults)) Object.assign(settings, { [key]: value })
    }
  }
  configure(options)

  const sent: SentMessage[] = []
  const webhooksPosted: PostedWebhook[] = []
  const fetchedDocuments: FetchedDocument[] = []
  const mediaUploads: MediaUpload[] = []
  const rejected: RejectedRequest[] = []
  const perSecond = new Map<number, { accepted: number; rejected: number }>()
  const acceptedPerNumberSecond = new Map<string, number>()
  const recentPerRecipient = new Map<string, number[]>()
  const conversations = new Map<string, { id: string; expires: number }>()
  const inFlight = new Set<Promise<void>>()
  let batchQueue: PendingStatus[] = []
  let batchTimer: NodeJS.Timeout | null = null
  const batchWaiters: Array<() => void> = []
  // Bumped by reset() and close(): work started earlier stops recording and posting.
  let generation = 0

  const countSecond = (field: 'accepted' | 'rejected') => {
    const second = Math.floor(Date.now() / 1000)
    const counts = perSecond.get(second) ?? { accepted: 0, rejected: 0 }
    counts[field]++
    perSecond.set(second, counts)
    return second
  }

  const reject = (response: ServerResponse, path: string, error: GraphError, to?: string) => {
    if (path.endsWith('/messages')) countSecond('rejected')
    rejected.push({ path, httpStatus: error.httpStatus, code: error.code, to, at: new Date() })
    sendGraphError(response, error)
  }

  /** The conversation a status belongs to: one per recipient, open 24 hours. */
  const conversationFor = (waId: string) => {
    const now = Math.floor(Date.now() / 1000)
    let conversation = conversations.get(waId)
    if (!conversation || conversation.expires <= now) {
      conversation = { id: randomBytes(16).toString('hex'), expires: now + 24 * 3600 }
      conversations.set(waId, conversation)
    }
    return conversation
  }

  const categoryOf = (message: SentMessage) => {
    if (message.type !== 'template') return 'service'
    const definition = settings.templates?.find(
      (t) => t.name === message.template?.name && t.language === message.template?.language
    )
    return definition?.category ?? 'utility'
  }

  function statusPayload(message: SentMessage, step: StatusStep): Record<string, unknown> {
    const billed = step.status === 'sent' || step.status === 'delivered'
    const conversation = billed ? conversationFor(message.waId) : undefined
    return statusObject({
      wamid: message.wamid,
      status: step.status,
      recipientId: message.waId,
      conversation: conversation && {
        id: conversation.id,
        expiresAt: step.status === 'sent' ? conversation.expires : undefined,
        category: categoryOf(message),
      },
      error: step.error,
      callbackData: message.callbackData,
      extraFields: settings.extraFields,
    })
  }

  function envelope(pending: PendingStatus[]) {
    return statusNotification({
      wabaId: settings.wabaId,
      displayPhoneNumber: settings.displayPhoneNumber,
      statuses: pending.map((item) => ({
        phoneNumberId: item.message.phoneNumberId,
        status: item.payload,
      })),
      extraFields: settings.extraFields,
    })
  }

  async function postOnce(
    raw: string,
    body: Record<string, unknown>,
    pending: PendingStatus[],
    attempt: number
  ) {
    const signature = hubSignature256(raw, settings.appSecret)
    const record: PostedWebhook = {
      body,
      raw,
      signature,
      statuses: pending.map((item) => ({ id: item.message.wamid, status: item.step.status })),
      attempt,
      responseStatus: null,
      postedAt: new Date(),
    }
    try {
      const response = await standInRequest(settings.webhookUrl!, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': WEBHOOK_USER_AGENT,
          'X-Hub-Signature-256': signature,
          // Meta still sends the SHA-1 signature next to the SHA-256 one.
          'X-Hub-Signature': `sha1=${createHmac('sha1', settings.appSecret).update(raw).digest('hex')}`,
        },
        body: raw,
        timeoutMs: settings.webhookTimeoutMs,
      })
      record.responseStatus = response.status
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error)
    }
    return record
  }

  /** Posts one notification `duplicates` times, each retried until the webhook answers 2xx. */
  async function postNotification(pending: PendingStatus[], startedIn: number) {
    if (!settings.webhookUrl || startedIn !== generation) return
    const body = envelope(pending)
    const raw = JSON.stringify(body)
    let attempt = 0
    for (let copy = 0; copy < Math.max(1, settings.duplicates); copy++) {
      for (let retry = 0; retry <= settings.webhookRetries; retry++) {
        if (startedIn !== generation) return
        if (retry > 0) await sleep(settings.webhookRetryDelayMs * 2 ** (retry - 1))
        const record = await postOnce(raw, body, pending, ++attempt)
        if (startedIn !== generation) return
        webhooksPosted.push(record)
        if (record.responseStatus !== null && record.responseStatus < 300) break
      }
    }
  }

  function flushBatch(startedIn: number) {
    if (batchTimer) clearTimeout(batchTimer)
    batchTimer = null
    const items = batchQueue.splice(0, Math.max(1, settings.batch))
    const waiters = batchWaiters.splice(0, items.length)
    const posted = postNotification(items, startedIn).finally(() => waiters.forEach((w) => w()))
    if (batchQueue.length > 0) batchTimer = setTimeout(() => flushBatch(startedIn), 0)
    return posted
  }

  /** Notifies one status, alone or gathered with others into one notification. */
  function notify(message: SentMessage, step: StatusStep, startedIn: number): Promise<void> {
    message.statuses.push(step.status)
    const item = { message, step, payload: statusPayload(message, step) }
    if (settings.batch <= 1) return postNotification([item], startedIn)
    return new Promise((resolve) => {
      batchQueue.push(item)
      batchWaiters.push(resolve)
      if (batchQueue.length >= settings.batch) void flushBatch(startedIn)
      else if (!batchTimer) {
        batchTimer = setTimeout(() => flushBatch(startedIn), settings.batchWindowMs)
      }
    })
  }

  /** An upload this number may send: uploaded through it, less than `mediaTtlMs` ago. */
  function usableMedia(id: string, phoneNumberId: string) {
    const upload = mediaUploads.find((m) => m.id === id)
    if (!upload || upload.phoneNumberId !== phoneNumberId) return null
    return Date.now() - upload.uploadedAt.getTime() < settings.mediaTtlMs ? upload : null
  }

  /** GETs a document link as Meta's media fetcher does: at most 3 redirects, 200, a PDF. */
  async function fetchDocument(message: SentMessage, link: string): Promise<FetchedDocument> {
    const record: FetchedDocument = {
      wamid: message.wamid,
      url: link,
      finalUrl: link,
      redirects: 0,
      status: null,
      contentType: null,
      size: 0,
      sha256: null,
      fetchedAt: new Date(),
    }
    try {
      let response: StandInResponse
      for (;;) {
        response = await standInRequest(record.finalUrl, {
          headers: { 'User-Agent': FETCHER_USER_AGENT, 'Accept': '*/*' },
          timeoutMs: settings.documentFetchTimeoutMs,
          maxBytes: MAX_DOCUMENT_BYTES,
        })
        const location = response.headers.location
        if (response.status < 300 || response.status >= 400 || !location) break
        if (record.redirects === MAX_REDIRECTS) {
          record.status = response.status
          record.failure = `Downloading media from weblink failed: more than ${MAX_REDIRECTS} redirects`
          return record
        }
        record.redirects++
        record.finalUrl = new URL(location, record.finalUrl).href
      }
      record.status = response.status
      record.contentType = response.headers['content-type'] ?? null
      if (response.status !== 200) {
        record.failure = `Downloading media from weblink failed with http code ${response.status}, status message ${response.statusText}`
        return record
      }
      if (response.tooLarge) {
        const declared = Number(response.headers['content-length'] ?? 0)
        record.failure = `Media file size ${declared > MAX_DOCUMENT_BYTES ? declared : 'over the limit'} exceeds the limit of ${MAX_DOCUMENT_BYTES} bytes`
        return record
      }
      const bytes = response.body
      record.size = bytes.length
      record.sha256 = sha256(bytes)
      const mime = record.contentType?.split(';')[0].trim().toLowerCase()
      if (mime !== 'application/pdf') {
        record.failure = `Downloaded media has content type ${record.contentType ?? '(none)'}; a document header needs application/pdf`
      } else if (!bytes.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
        record.failure = 'Downloaded media is not a valid PDF file'
      }
    } catch (error) {
      const reason = error instanceof Error ? (error.cause ?? error).toString() : String(error)
      record.failure = `Downloading media from weblink failed: ${reason}`
    }
    return record
  }

  const failure = (code: number, details: string): StatusStep => ({
    status: 'failed',
    error: { code, title: ERROR_TITLES[code] ?? 'Message failed to send', details },
  })

  /** What happens to an accepted message, in the order Meta would notify it. */
  async function planFor(message: SentMessage, startedIn: number): Promise<StatusStep[]> {
    // A template's header document or a document message's own.
    const document = message.document
    if (document?.link && settings.fetchDocuments) {
      const fetched = await fetchDocument(message, document.link)
      if (startedIn === generation) fetchedDocuments.push(fetched)
      if (fetched.failure) return [failure(131053, fetched.failure)]
    }
    if (document?.id && !usableMedia(document.id, message.phoneNumberId)) {
      return [failure(131053, `Media id ${document.id} was not found or has expired`)]
    }
    if (message.type !== 'template' && !matches(settings.openServiceWindows, message.waId)) {
      return [
        failure(
          131047,
          'Message failed to send because more than 24 hours have passed since the customer last replied to this number.'
        ),
      ]
    }
    if (matches(settings.undeliverable, message.waId)) {
      return [{ status: 'sent' }, failure(131026, 'Message Undeliverable.')]
    }
    const scenario =
      typeof settings.statuses === 'function'
        ? settings.statuses(message)
        : (settings.statuses ?? ['sent', 'delivered', 'read'])
    return scenario.map((status) =>
      status === 'failed' ? failure(131026, 'Message Undeliverable.') : { status }
    )
  }

  async function deliver(message: SentMessage, startedIn: number) {
    let plan = await planFor(message, startedIn)
    if (settings.reorder) plan = shuffle(plan, settings.random)
    for (const step of plan) {
      await sleep(settings.delayMs)
      if (startedIn !== generation) return
      await notify(message, step, startedIn)
    }
  }

  function track(work: Promise<void>) {
    const tracked = work.catch(() => {}).finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
  }

  const retryAfterHeader = (): Record<string, string> =>
    settings.retryAfterSeconds !== undefined
      ? { 'Retry-After': String(settings.retryAfterSeconds) }
      : {}

  /** 130429 above `ratePerSecond` in this clock second; 131056 above the pair rate. */
  function throughputError(phoneNumberId: string, waId: string): GraphError | null {
    const second = Math.floor(Date.now() / 1000)
    const key = `${phoneNumberId}:${second}`
    if ((acceptedPerNumberSecond.get(key) ?? 0) >= settings.ratePerSecond) {
      return whatsappError(
        130429,
        'Rate limit hit',
        'Cloud API message throughput has been reached.'
      )
    }
    const pair = settings.pairRatePerRecipient
    if (pair) {
      const now = Date.now()
      const recent = (recentPerRecipient.get(`${phoneNumberId}:${waId}`) ?? []).filter(
        (at) => at > now - pair.perMs
      )
      recentPerRecipient.set(`${phoneNumberId}:${waId}`, recent)
      if (recent.length >= pair.messages) {
        return whatsappError(
          131056,
          '(Business Account, Consumer Account) pair rate limit hit',
          'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.'
        )
      }
    }
    return null
  }

  function recordThroughput(phoneNumberId: string, waId: string) {
    const second = countSecond('accepted')
    const key = `${phoneNumberId}:${second}`
    acceptedPerNumberSecond.set(key, (acceptedPerNumberSecond.get(key) ?? 0) + 1)
    for (const old of acceptedPerNumberSecond.keys()) {
      if (Number(old.split(':')[1]) < second - 1) acceptedPerNumberSecond.delete(old)
    }
    if (settings.pairRatePerRecipient) {
      const pairKey = `${phoneNumberId}:${waId}`
      recentPerRecipient.set(pairKey, [...(recentPerRecipient.get(pairKey) ?? []), Date.now()])
    }
  }

  async function handleMessages(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    graphVersion: string,
    phoneNumberId: string
  ) {
    const raw = await readBody(request, MAX_JSON_BYTES)
    if (raw === null) return reject(response, path, invalidParameter('Request body is too large'))
    let body: unknown
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : {}
    } catch {
      return reject(response, path, invalidParameter('Request body is not valid JSON'))
    }
    if (settings.serverErrors > 0) {
      settings.serverErrors--
      return reject(response, path, {
        httpStatus: 503,
        message: 'Service temporarily unavailable',
        type: 'OAuthException',
        code: 2,
        headers: retryAfterHeader(),
      })
    }
    const validated = validateMessage(body, phoneNumberId, graphVersion, settings.templates)
    if (!validated.ok) {
      const to = isObject(body) && typeof body.to === 'string' ? body.to : undefined
      return reject(response, path, validated.error, to)
    }
    if (settings.accountError) {
      return reject(response, path, ACCOUNT_ERRORS[settings.accountError], validated.message.to)
    }
    const limited = throughputError(phoneNumberId, validated.message.waId)
    if (limited) {
      return reject(
        response,
        path,
        { ...limited, headers: retryAfterHeader() },
        validated.message.to
      )
    }
    recordThroughput(phoneNumberId, validated.message.waId)

    const message: SentMessage = {
      ...validated.message,
      wamid: newWamid(validated.message.waId),
      receivedAt: new Date(),
      statuses: [],
    }
    sent.push(message)
    const accepted: Record<string, unknown> = { id: message.wamid }
    if (message.type === 'template') accepted.message_status = 'accepted'
    if (settings.extraFields) accepted.x_standin_future = 'unknown response field'
    sendJson(
      response,
      200,
      {
        messaging_product: 'whatsapp',
        contacts: [{ input: message.to, wa_id: message.waId }],
        messages: [accepted],
      },
      { 'facebook-api-version': graphVersion }
    )
    track(deliver(message, generation))
  }

  /**
   * `POST /<version>/<phone_number_id>/media`: multipart/form-data with
   * `messaging_product=whatsapp`, `type` (the MIME type) and `file`; answers
   * `{ id }`, the media id a message's `document.id` may carry for `mediaTtlMs`.
   */
  async function handleMediaUpload(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    phoneNumberId: string
  ) {
    const contentType = request.headers['content-type'] ?? ''
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
    // The form's other fields and part headers come on top of the file itself.
    const raw = await readBody(request, settings.maxMediaBytes + MAX_JSON_BYTES)
    if (raw === null) {
      return reject(response, path, mediaUploadError(`File size exceeds the limit`))
    }
    if (!/^multipart\/form-data/i.test(contentType) || !boundary) {
      return reject(
        response,
        path,
        invalidParameter('The upload must be multipart/form-data with a boundary')
      )
    }
    const parts = parseMultipart(raw, boundary[1] ?? boundary[2])
    const field = (name: string) => parts.find((part) => part.name === name)
    const product = field('messaging_product')?.data.toString('utf8')
    if (product === undefined) return reject(response, path, requiredParameter('messaging_product'))
    if (product !== 'whatsapp') {
      return reject(response, path, {
        httpStatus: 400,
        message: `(#100) Param messaging_product must be one of {WHATSAPP} - got "${product}".`,
        type: 'OAuthException',
        code: 100,
      })
    }
    const file = field('file')
    if (!file || file.filename === null) return reject(response, path, requiredParameter('file'))
    const type = field('type')?.data.toString('utf8').trim()
    if (type === undefined) return reject(response, path, requiredParameter('type'))
    if (!SUPPORTED_MEDIA_TYPES.includes(type)) {
      return reject(
        response,
        path,
        invalidParameter(
          `Param type must be one of the supported media types (${SUPPORTED_MEDIA_TYPES.join(', ')}); got "${type}"`
        )
      )
    }
    // An expired token is refused on every call, not only on sends.
    if (settings.accountError === 190) return reject(response, path, ACCOUNT_ERRORS[190])
    if (settings.failMediaUploads === 'server_error') {
      return reject(response, path, {
        httpStatus: 503,
        message: 'Service temporarily unavailable',
        type: 'OAuthException',
        code: 2,
        headers: retryAfterHeader(),
      })
    }
    if (settings.failMediaUploads === 'upload_error') {
      return reject(response, path, mediaUploadError('Unable to process the uploaded media'))
    }
    if (file.data.length > settings.maxMediaBytes) {
      return reject(
        response,
        path,
        mediaUploadError(
          `Media file size ${file.data.length} exceeds the limit of ${settings.maxMediaBytes} bytes for ${type}`
        )
      )
    }
    if (type === 'application/pdf' && !file.data.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
      return reject(response, path, mediaUploadError('The uploaded file is not a valid PDF'))
    }
    const upload: MediaUpload = {
      // 16 digits like Meta's; randomInt's range stops at 2^48, so built in two parts.
      id: `${randomInt(1, 10)}${String(randomInt(0, 10 ** 14)).padStart(14, '0')}${randomInt(10)}`,
      phoneNumberId,
      type,
      filename: file.filename,
      bytes: Buffer.from(file.data),
      sha256: sha256(file.data),
      uploadedAt: new Date(),
    }
    mediaUploads.push(upload)
    sendJson(response, 200, { id: upload.id })
  }

  /** `GET /<version>/<media_id>`: the media's metadata, as the Graph API returns it. */
  function handleMediaInfo(response: ServerResponse, path: string, url: string, mediaId: string) {
    const upload = mediaUploads.find((m) => m.id === mediaId)
    if (!upload || Date.now() - upload.uploadedAt.getTime() >= settings.mediaTtlMs) {
      return reject(response, path, {
        httpStatus: 400,
        message: `Unsupported get request. Object with ID '${mediaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: 'GraphMethodException',
        code: 100,
        subcode: 33,
      })
    }
    sendJson(response, 200, {
      messaging_product: 'whatsapp',
      url: `${url}/media-download/${upload.id}`,
      mime_type: upload.type,
      sha256: upload.sha256,
      file_size: upload.bytes.length,
      id: upload.id,
    })
  }

  /** The media info's `url`: the bytes, for the same Bearer token (Meta's lookaside URL). */
  function handleMediaDownload(request: IncomingMessage, response: ServerResponse, path: string) {
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (token !== settings.accessToken) {
      response.writeHead(401, { 'Content-Type': 'text/plain' })
      return response.end('Unauthorized')
    }
    const upload = mediaUploads.find((m) => m.id === path.slice('/media-download/'.length))
    if (!upload || Date.now() - upload.uploadedAt.getTime() >= settings.mediaTtlMs) {
      response.writeHead(404, { 'Content-Type': 'text/plain' })
      return response.end('Not Found')
    }
    response.writeHead(200, {
      'Content-Type': upload.type,
      'Content-Length': String(upload.bytes.length),
    })
    response.end(upload.bytes)
  }

  /** What the stand-in received and did, as JSON (tests, the demo, outside acceptance tests). */
  function received() {
    return {
      sent: sent.map((message) => ({
        ...message,
        receivedAt: message.receivedAt.toISOString(),
      })),
      webhooks_posted: webhooksPosted.map(({ raw: _raw, postedAt, ...posted }) => ({
        ...posted,
        postedAt: postedAt.toISOString(),
      })),
      fetched_documents: fetchedDocuments.map((fetched) => ({
        ...fetched,
        fetchedAt: fetched.fetchedAt.toISOString(),
      })),
      media_uploads: mediaUploads.map(({ bytes, uploadedAt, ...upload }) => ({
        ...upload,
        size: bytes.length,
        uploadedAt: uploadedAt.toISOString(),
      })),
      rejected: rejected.map((refusal) => ({ ...refusal, at: refusal.at.toISOString() })),
      webhook_url: settings.webhookUrl ?? null,
    }
  }

  /**
   * `/_standin/*`: what Meta's dashboard and logs do for a real account.
   * - `GET /_standin/received`: everything recorded.
   * - `POST /_standin/subscription {callback_url, verify_token, app_secret?}`:
   *   Meta's "configure webhook" step: the GET handshake against the callback,
   *   and notifications go there only once it echoed the challenge.
   * - `POST /_standin/config {...}`: change failures and webhook behaviour.
   * - `POST /_standin/reset`: forget what was recorded.
   */
  async function handleControl(request: IncomingMessage, response: ServerResponse, path: string) {
    const action = path.slice('/_standin/'.length)
    if (request.method === 'GET' && action === 'received')
      return sendJson(response, 200, received())
    if (request.method !== 'POST') return sendJson(response, 404, { error: `No ${path}` })
    const raw = await readBody(request, MAX_JSON_BYTES)
    let body: unknown
    try {
      body = raw && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : {}
    } catch {
      return sendJson(response, 400, { error: 'The body is not valid JSON' })
    }
    if (!isObject(body)) return sendJson(response, 400, { error: 'The body must be a JSON object' })
    if (action === 'reset') {
      reset()
      return sendJson(response, 200, { reset: true })
    }
    if (action === 'subscription') {
      const { callback_url: callbackUrl, verify_token: verifyToken, app_secret: appSecret } = body
      if (typeof callbackUrl !== 'string' || !/^https?:\/\//.test(callbackUrl)) {
        return sendJson(response, 400, { error: 'callback_url must be an http(s) URL' })
      }
      if (typeof verifyToken !== 'string' || verifyToken === '') {
        return sendJson(response, 400, { error: 'verify_token is required' })
      }
      if (appSecret !== undefined && (typeof appSecret !== 'string' || appSecret === '')) {
        return sendJson(response, 400, { error: 'app_secret must be a non-empty string' })
      }
      let check: { status: number; echoed: boolean }
      try {
        check = await handshake(callbackUrl, verifyToken)
      } catch (error) {
        return sendJson(response, 400, {
          error: `The callback URL could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        })
      }
      if (!check.echoed) {
        return sendJson(response, 400, {
          error: `The callback URL did not echo the challenge (HTTP ${check.status}): check the verify token.`,
        })
      }
      configure({ webhookUrl: callbackUrl, ...(appSecret ? { appSecret } : {}) })
      return sendJson(response, 200, { subscribed: true, callback_url: callbackUrl })
    }
    if (action === 'config') {
      const problem = configFromJson(body)
      if (typeof problem === 'string') return sendJson(response, 400, { error: problem })
      configure(problem)
      return sendJson(response, 200, { configured: Object.keys(problem) })
    }
    return sendJson(response, 404, { error: `No ${path}` })
  }

  async function handshake(callbackUrl: string, verifyToken: string) {
    const challenge = String(randomInt(10 ** 9, 2 ** 31 - 1))
    const target = new URL(callbackUrl)
    target.searchParams.set('hub.mode', 'subscribe')
    target.searchParams.set('hub.verify_token', verifyToken)
    target.searchParams.set('hub.challenge', challenge)
    const response = await fetch(target, {
      headers: { 'User-Agent': WEBHOOK_USER_AGENT },
      signal: AbortSignal.timeout(settings.webhookTimeoutMs),
    })
    const text = await response.text()
    return { status: response.status, echoed: response.status === 200 && text === challenge }
  }

  async function handle(request: IncomingMessage, response: ServerResponse, url: string) {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname
    if (path.startsWith('/_standin/')) return handleControl(request, response, path)
    if (path.startsWith('/media-download/')) return handleMediaDownload(request, response, path)
    const segments = path.split('/').filter(Boolean)
    const graphVersion = segments[0] ?? ''
    if (!/^v\d+\.\d+$/.test(graphVersion)) {
      return reject(response, path, {
        httpStatus: 400,
        message: `Unknown path components: ${path}`,
        type: 'OAuthException',
        code: 2500,
      })
    }
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (token !== settings.accessToken) {
      return reject(response, path, {
        httpStatus: 401,
        message: 'Invalid OAuth access token - Cannot parse access token',
        type: 'OAuthException',
        code: 190,
      })
    }
    const [, objectId, edge] = segments
    if (request.method === 'GET' && segments.length === 2) {
      return handleMediaInfo(response, path, url, objectId)
    }
    const knownEdge = segments.length === 3 && (edge === 'messages' || edge === 'media')
    if (request.method !== 'POST' || !knownEdge || !settings.phoneNumberIds.includes(objectId)) {
      const verb = (request.method ?? 'GET').toLowerCase()
      return reject(response, path, {
        httpStatus: 400,
        message: `Unsupported ${verb} request. Object with ID '${objectId ?? ''}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: 'GraphMethodException',
        code: 100,
        subcode: 33,
      })
    }
    if (edge === 'messages') {
      return handleMessages(request, response, path, graphVersion, objectId)
    }
    return handleMediaUpload(request, response, path, objectId)
  }

  let baseUrl = ''
  const server: Server = createServer((request, response) => {
    handle(request, response, baseUrl).catch((error) => {
      if (!response.headersSent) {
        sendGraphError(response, {
          httpStatus: 500,
          message: `An unexpected error has occurred: ${error instanceof Error ? error.message : String(error)}`,
          type: 'OAuthException',
          code: 1,
        })
      } else response.destroy()
    })
  })
  await new Promise<void>((resolve, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, settings.host, () => resolve())
  })
  const address = server.address() as AddressInfo
  baseUrl = `http://${settings.host}:${address.port}`

  function reset() {
    generation++
    if (batchTimer) clearTimeout(batchTimer)
    batchTimer = null
    batchQueue = []
    batchWaiters.splice(0).forEach((wake) => wake())
    for (const recorded of [sent, webhooksPosted, fetchedDocuments, mediaUploads, rejected]) {
      recorded.length = 0
    }
    perSecond.clear()
    acceptedPerNumberSecond.clear()
    recentPerRecipient.clear()
    conversations.clear()
  }

  return {
    url: baseUrl,
    sent,
    webhooksPosted,
    fetchedDocuments,
    mediaUploads,
    rejected,
    perSecond,
    configure,
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
    reset,
    async verifySubscription(verifyToken: string) {
      if (!settings.webhookUrl) throw new Error('verifySubscription needs a webhookUrl')
      return handshake(settings.webhookUrl, verifyToken)
    },
    async close() {
      reset()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The options `POST /_standin/config` may change, checked; a sentence when one is wrong. */
function configFromJson(body: Record<string, unknown>): Partial<WhatsAppStandInOptions> | string {
  const patch: Partial<WhatsAppStandInOptions> = {}
  const numbers = [
    'ratePerSecond',
    'delayMs',
    'duplicates',
    'batch',
    'batchWindowMs',
    'serverErrors',
    'retryAfterSeconds',
    'maxMediaBytes',
  ] as const
  const booleans = ['reorder', 'extraFields', 'fetchDocuments'] as const
  for (const [key, value] of Object.entries(body)) {
    if ((numbers as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        return `${key} must be a number of at least 0`
      }
      Object.assign(patch, { [key]: value })
    } else if ((booleans as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') return `${key} must be true or false`
      Object.assign(patch, { [key]: value })
    } else if (key === 'undeliverable' || key === 'openServiceWindows') {
      if (!Array.isArray(value) || value.some((number) => typeof number !== 'string')) {
        return `${key} must be a list of phone numbers`
      }
      patch[key] = value as string[]
    } else if (key === 'statuses') {
      const known = ['sent', 'delivered', 'read', 'failed']
      if (!Array.isArray(value) || value.some((status) => !known.includes(status as string))) {
        return 'statuses must be a list of sent, delivered, read or failed'
      }
      patch.statuses = value as StatusName[]
    } else if (key === 'failMediaUploads') {
      if (value !== null && value !== 'upload_error' && value !== 'server_error') {
        return 'failMediaUploads must be null, "upload_error" or "server_error"'
      }
      patch.failMediaUploads = value as MediaUploadFailure | null
    } else if (key === 'accountError') {
      if (value !== null && !Object.keys(ACCOUNT_ERRORS).includes(String(value))) {
        return `accountError must be null or one of ${Object.keys(ACCOUNT_ERRORS).join(', ')}`
      }
      patch.accountError = value as AccountErrorCode | null
    } else {
      return `Unknown setting "${key}"`
    }
  }
  return patch
}

/** `--name=value` arguments as camelCase option names. */
function parseArguments(argv: string[]) {
  const values: Record<string, string> = {}
  for (const argument of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(argument)
    if (!match) throw new Error(`Unrecognised argument "${argument}": expected --name=value`)
    values[match[1].replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = match[2]
  }
  return values
}

const list = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').filter(Boolean)

function numberOption(values: Record<string, string>, name: string) {
  if (values[name] === undefined) return undefined
  const value = Number(values[name])
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`--${name} must be a number of at least 0; got "${values[name]}"`)
  }
  return value
}

function accountErrorOption(value: string | undefined) {
  if (value === undefined) return undefined
  if (!Object.keys(ACCOUNT_ERRORS).includes(value)) {
    throw new Error(
      `--account-error takes ${Object.keys(ACCOUNT_ERRORS).join(', ')}; got "${value}"`
    )
  }
  return Number(value) as AccountErrorCode
}

/** Runs the stand-in from the command line (the demo), until SIGINT or SIGTERM. */
export async function main(argv = process.argv.slice(2)) {
  const values = parseArguments(argv)
  const statuses = list(values.statuses)
  const unknownStatus = statuses?.find((s) => !['sent', 'delivered', 'read', 'failed'].includes(s))
  if (unknownStatus) {
    throw new Error(`--statuses takes sent, delivered, read or failed; got "${unknownStatus}"`)
  }
  const standIn = await startWhatsAppStandIn({
    port: numberOption(values, 'port'),
    host: values.host,
    accessToken: values.accessToken,
    phoneNumberIds: list(values.phoneNumberIds),
    wabaId: values.wabaId,
    displayPhoneNumber: values.displayPhoneNumber,
    appSecret: values.appSecret,
    webhookUrl: values.webhookUrl,
    undeliverable: list(values.undeliverable),
    ratePerSecond: numberOption(values, 'ratePerSecond'),
    statuses: statuses as StatusName[] | undefined,
    delayMs: numberOption(values, 'delayMs'),
    reorder: values.reorder === undefined ? undefined : values.reorder === 'true',
    duplicates: numberOption(values, 'duplicates'),
    batch: numberOption(values, 'batch'),
    retryAfterSeconds: numberOption(values, 'retryAfterSeconds'),
    accountError: accountErrorOption(values.accountError),
  })
  process.stdout.write(
    [
      `WhatsApp Cloud API stand-in listening on ${standIn.url}`,
      `  phone number ids: ${(list(values.phoneNumberIds) ?? defaults.phoneNumberIds).join(', ')}`,
      `  WABA id: ${values.wabaId ?? defaults.wabaId}`,
      `  access token: ${values.accessToken ?? defaults.accessToken}`,
      `  webhook: ${values.webhookUrl ?? '(none: statuses are not posted)'}`,
      `  control: ${standIn.url}/_standin/received (what it got), POST /_standin/subscription, /_standin/config, /_standin/reset`,
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
