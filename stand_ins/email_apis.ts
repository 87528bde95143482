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
| Control (tests, the demo, outside acceptance tests):
|   GET  /_standin/messages        what it accepted, oldest first
|   POST /_standin/reset           forgets them
|   POST /_standin/config          { reject_recipients?, rate_limit_per_second?, down? }
|
| Standalone (prints where it listens; Ctrl-C stops it):
|   node --import=ts-node-maintained/register/esm stand_ins/email_apis.ts --port=8030 --api-key=<key>
*/
import { createHash, randomUUID } from 'node:crypto'
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

export async function startEmailApiStandIn(
  options: EmailApiStandInOptions
): Promise<EmailApiStandIn> {
  let behaviour: EmailApiBehaviour = {
    rejectRecipients: options.rejectRecipients,
    rateLimitPerSecond: options.rateLimitPerSecond ?? null,
    down: options.down ?? false,
  }
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
    keep({
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
    })
    remember('resend', key, raw, id)
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
    keep({
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
    })
    return { status: 200, body: { id, message: 'Queued. Thank you.' } }
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
    if (request.method === 'POST' && path === '/_standin/reset') {
      kept = []
      refusals = []
      idempotent.clear()
      windowStart = 0
      return send(response, 200, { ok: true })
    }
    if (request.method === 'POST' && path === '/_standin/config') {
      const raw = await readBody(request)
      const body = JSON.parse(raw.toString('utf8') || '{}')
      behaviour = {
        rejectRecipients: body.reject_recipients ?? behaviour.rejectRecipients,
        rateLimitPerSecond: body.rate_limit_per_second ?? behaviour.rateLimitPerSecond,
        down: body.down ?? behaviour.down,
      }
      return send(response, 200, { ok: true })
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
    reset() {
      kept = []
      refusals = []
      idempotent.clear()
      windowStart = 0
    },
    configure(next) {
      behaviour = { ...behaviour, ...next }
      windowStart = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
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
  process.on('SIGINT', () => standIn.close().then(() => process.exit(0)))
  process.on('SIGTERM', () => standIn.close().then(() => process.exit(0)))
}
