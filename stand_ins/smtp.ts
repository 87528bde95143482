/*
| A local SMTP server standing in for a mail provider (issue 15). The test
| suite and `npm run dev` point the app's SMTP settings at it; it keeps what
| it received, parsed (headers, bodies, attachments with their SHA-256), and
| can answer like a real provider does when things go wrong: wrong
| credentials (535), unknown recipient (550, the hard bounce), a transient
| failure (451), a message too large (552), a server refusing connections
| (421), a slow server. And like a real MTA it can accept a mail and bounce
| it afterwards (`bounceRecipients`: unknown users found only after the
| mail was queued; `deferRecipients`: a delay warning): it then sends an
| RFC 3464 report (multipart/report, the original headers attached) from
| MAILER-DAEMON with an empty envelope sender to the mail's envelope sender,
| over SMTP at `dsnRelay` (what the sender domain's MX would be).
|
| Plain SMTP only: no TLS, no STARTTLS (the app connects with
| SMTP_SECURE=false), and AUTH is allowed over the clear connection.
|
| Standalone (prints where it listens; Ctrl-C stops it):
|   node --import=ts-node-maintained/register/esm stand_ins/smtp.ts --port=2525 --http-port=8025
|   (--bounce=a@x,b@y --dsn-relay=127.0.0.1:2526: accept those, then report them to the relay)
*/
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js'
import { SMTPServer, type SMTPServerSession } from 'smtp-server'
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser'

/** Addresses (matched without regard to case) or a predicate on the address. */
export type RecipientRule = readonly string[] | ((address: string) => boolean)

/** What can be changed on a running stand-in (`configure`). */
export interface SmtpStandInBehaviour {
  /** Refused at RCPT with `550 5.1.1 <addr>: Recipient address rejected: User unknown`. */
  rejectRecipients?: RecipientRule
  /** Refused at RCPT with `451 4.3.0 <addr>: Temporary failure, try again later`. */
  tempFailRecipients?: RecipientRule
  /** The next n connections are greeted with `421 4.7.0 Try again later` and closed. */
  failNextConnections?: number
  /** Each MAIL FROM is answered after this many ms: a slow server, before anything is accepted. */
  delayMs?: number
  /**
   * Accepted (250 at DATA), then bounced: a report `5.1.1 User unknown` goes
   * to the envelope sender, as a server that checks mailboxes after queueing does.
   */
  bounceRecipients?: RecipientRule
  /** Accepted, then a delay warning (`Action: delayed`, `4.2.2 Mailbox full`) goes to the envelope sender. */
  deferRecipients?: RecipientRule
  /** Where reports are sent (the envelope sender domain's MX, in real life); without it none is sent. */
  dsnRelay?: { host: string; port: number }
}

export interface SmtpStandInOptions extends SmtpStandInBehaviour {
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  /** Credentials the client must log in with; without them AUTH is optional and any login passes. */
  auth?: { user: string; pass: string }
  /** Messages over this size are refused with 552 (announced in EHLO as SIZE). */
  maxMessageBytes?: number
  /** Serve the inbox over HTTP on this port (0 picks one); no HTTP server without it. */
  httpPort?: number
  /** Mails kept; the oldest are forgotten beyond it. */
  maxMessages?: number
  /**
   * false: mails are counted and timed, not parsed (envelope, size and
   * arrival only; no headers, bodies or attachments): a bench's provider
   * that costs the machine next to nothing. Default true.
   */
  parse?: boolean
  /** Attachment bytes kept over all mails; beyond it the oldest mails' bytes are dropped. */
  maxAttachmentBytes?: number
}

export interface ReceivedAttachment {
  filename: string | null
  contentType: string
  size: number
  sha256: string
  /** The bytes, or null once dropped to keep memory bounded (`maxAttachmentBytes`). */
  content: Buffer | null
}

export interface ReceivedMail {
  /** Unique for the stand-in's life, also across `reset()`. */
  id: string
  envelope: { from: string; to: string[] }
  /**
   * Lower-cased names: from, to, reply-to, subject (decoded), message-id,
   * list-unsubscribe, list-unsubscribe-post and every x-* header (as sent,
   * unfolded; the first when repeated).
   */
  headers: Record<string, string>
  subject: string
  text: string
  html: string
  attachments: ReceivedAttachment[]
  /** Bytes of the message as received in DATA. */
  rawSize: number
  receivedAt: Date
}

/** A reply the stand-in gave instead of accepting. */
export interface Refusal {
  at: Date
  /**
   * 'data': a message over maxMessageBytes (one declared too large by SIZE in
   * MAIL FROM is refused by smtp-server before any hook sees it, so not logged).
   */
  stage: 'connect' | 'auth' | 'rcpt' | 'data'
  code: number
  reply: string
  address?: string
}

/** A delivery status notification the stand-in sent (or failed to send) after accepting a mail. */
export interface SentReport {
  at: Date
  /** The mail it reports on. */
  mailId: string
  /** The original envelope sender, where the report went. */
  to: string
  recipients: string[]
  status: string
  action: 'failed' | 'delayed'
  /** The relay's answer, or why it could not be sent. */
  result: { accepted: true } | { accepted: false; error: string }
  raw: string
}

export interface SmtpStandIn {
  host: string
  port: number
  /** `http://host:port` of the HTTP inbox, when `httpPort` was given. */
  inboxUrl?: string
  /** Kept mails, oldest first. */
  messages(): ReceivedMail[]
  /** Kept mails with this address among their envelope recipients (any case). */
  messagesTo(address: string): ReceivedMail[]
  refusals(): Refusal[]
  /** The reports sent after accepting mails (`bounceRecipients`, `deferRecipients`), oldest first. */
  reports(): SentReport[]
  /** Resolves once at least `count` reports were sent (or failed); rejects after `ceilingMs`. */
  waitForReports(count: number, ceilingMs: number): Promise<SentReport[]>
  /** Resolves with the kept mails once there are at least `count`; rejects after `ceilingMs`. */
  waitFor(count: number, ceilingMs: number): Promise<ReceivedMail[]>
  /** Forgets the mails and refusals (the behaviour stays). */
  reset(): void
  configure(behaviour: SmtpStandInBehaviour): void
  close(): Promise<void>
}

const DEFAULT_MAX_MESSAGES = 20_000
const DEFAULT_MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024
/** Headers kept besides every x-* one. */
const HEADERS_KEPT = [
  'from',
  'to',
  'reply-to',
  'subject',
  'message-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
]

/** An error smtp-server turns into the reply `<code> <message>`. */
function reply(code: number, message: string) {
  return Object.assign(new Error(message), { responseCode: code })
}

function matches(rule: RecipientRule | undefined, address: string) {
  if (!rule) return false
  if (typeof rule === 'function') return rule(address)
  const wanted = address.toLowerCase()
  return rule.some((candidate) => candidate.toLowerCase() === wanted)
}

function addressText(value: AddressObject | AddressObject[] | undefined) {
  if (!value) return undefined
  return Array.isArray(value) ? value.map((v) => v.text).join(', ') : value.text
}

function keptHeaders(parsed: ParsedMail) {
  const headers: Record<string, string> = {}
  for (const { key, line } of parsed.headerLines) {
    if (key in headers || !(HEADERS_KEPT.includes(key) || key.startsWith('x-'))) continue
    headers[key] = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim()
  }
  // Decoded forms where mailparser decodes them (encoded words, address lists).
  const decoded: Record<string, string | undefined> = {
    'from': addressText(parsed.from),
    'to': addressText(parsed.to),
    'reply-to': addressText(parsed.replyTo),
    'subject': parsed.subject,
  }
  for (const [key, value] of Object.entries(decoded)) if (value !== undefined) headers[key] = value
  return headers
}

/** The name the stand-in reports as (Reporting-MTA, MAILER-DAEMON@…). */
const REPORTING_HOST = 'mx.smtp-stand-in.test'

/** The original's header block (up to the first empty line), as a report attaches it. */
function headerBlock(original: Buffer) {
  const text = original.toString('latin1')
  const end = /\r?\n\r?\n/.exec(text)
  return (end ? text.slice(0, end.index) : text).replace(/\r?\n/g, '\r\n')
}

/**
 * An RFC 3464 delivery status notification as Postfix writes one:
 * `multipart/report; report-type=delivery-status` with a human-readable part,
 * the `message/delivery-status` part (per-message, then per-recipient fields)
 * and the original's headers (`text/rfc822-headers`).
 */
export function deliveryReport(input: {
  to: string
  recipients: string[]
  action: 'failed' | 'delayed'
  original: Buffer
  reportingHost: string
  at?: Date
}) {
  const at = input.at ?? new Date()
  const date = at.toUTCString().replace('GMT', '+0000')
  const boundary = `${randomBytes(6).toString('hex')}.${Math.floor(at.getTime() / 1000)}/${input.reportingHost}`
  const failed = input.action === 'failed'
  const replyOf = (address: string) =>
    failed
      ? `550 5.1.1 <${address}>: Recipient address rejected: User unknown in local recipient table`
      : `452 4.2.2 <${address}>: Mailbox full`
  const notification = failed
    ? [
        `This is the mail system at host ${input.reportingHost}.`,
        '',
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.",
        '',
        '                   The mail system',
        '',
        ...input.recipients.map(
          (address) =>
            `<${address}>: host ${input.reportingHost} said: ${replyOf(address)} (in reply to RCPT TO command)`
        ),
      ]
    : [
        `This is the mail system at host ${input.reportingHost}.`,
        '',
        '####################################################################',
        '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #',
        '####################################################################',
        '',
        'Your message could not be delivered for more than 4 hour(s).',
        'It will be retried until it is 5 day(s) old.',
        '',
        ...input.recipients.map(
          (address) => `<${address}>: host ${input.reportingHost} said: ${replyOf(address)}`
        ),
      ]
  const perRecipient = input.recipients.flatMap((address) => [
    '',
    `Final-Recipient: rfc822; ${address}`,
    `Original-Recipient: rfc822;${address}`,
    `Action: ${input.action}`,
    `Status: ${failed ? '5.1.1' : '4.2.2'}`,
    `Remote-MTA: dns; ${input.reportingHost}`,
    `Diagnostic-Code: smtp; ${replyOf(address)}`,
    ...(failed
      ? []
      : [`Will-Retry-Until: ${new Date(at.getTime() + 5 * 86_400_000).toUTCString()}`]),
  ])
  return [
    `Date: ${date}`,
    `From: MAILER-DAEMON@${input.reportingHost} (Mail Delivery System)`,
    `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `To: ${input.to}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;`,
    `\tboundary="${boundary}"`,
    'Content-Transfer-Encoding: 8bit',
    `Message-Id: <${randomBytes(8).toString('hex')}@${input.reportingHost}>`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    ...notification,
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${input.reportingHost}`,
    `Arrival-Date: ${date}`,
    ...perRecipient,
    '',
    `--${boundary}`,
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    headerBlock(input.original),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

/** One mail over plain SMTP (`from` '' is the empty envelope sender `<>` of a report). */
export function sendRaw(
  relay: { host: string; port: number },
  from: string,
  to: string[],
  raw: string | Buffer
) {
  return new Promise<void>((resolve, reject) => {
    const connection = new SMTPConnection({
      host: relay.host,
      port: relay.port,
      secure: false,
      ignoreTLS: true,
      name: REPORTING_HOST,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 10_000,
    })
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      connection.quit()
      if (error) reject(error)
      else resolve()
    }
    connection.once('error', finish)
    connection.connect((connectError) => {
      if (connectError) return finish(connectError)
      connection.send({ from, to }, raw, (sendError) => finish(sendError ?? undefined))
    })
  })
}

export async function startSmtpStandIn(options: SmtpStandInOptions = {}): Promise<SmtpStandIn> {
  const host = options.host ?? '127.0.0.1'
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES
  const maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES
  const behaviour: SmtpStandInBehaviour = {}
  const configure = (changes: SmtpStandInBehaviour) => Object.assign(behaviour, changes)
  configure(options)

  let mails: ReceivedMail[] = []
  let refused: Refusal[] = []
  let reports: SentReport[] = []
  let nextId = 1
  let attachmentBytesKept = 0
  /** Index of the oldest kept mail whose attachment bytes may not have been dropped yet. */
  let oldestWithBytes = 0
  const waiters = new Set<() => void>()

  function refuse(refusal: Omit<Refusal, 'at' | 'reply'>, message: string) {
    refused.push({ at: new Date(), reply: `${refusal.code} ${message}`, ...refusal })
    if (refused.length > maxMessages) refused.shift()
    return reply(refusal.code, message)
  }

  function keep(mail: ReceivedMail) {
    mails.push(mail)
    if (mails.length > maxMessages) {
      dropBytes(mails.shift()!)
      oldestWithBytes = Math.max(0, oldestWithBytes - 1)
    }
    attachmentBytesKept += mail.attachments.reduce((sum, a) => sum + (a.content?.length ?? 0), 0)
    // Oldest first: the newest mails are the ones a test or the demo looks at.
    while (attachmentBytesKept > maxAttachmentBytes && oldestWithBytes < mails.length) {
      dropBytes(mails[oldestWithBytes++])
    }
    for (const wake of waiters) wake()
  }

  function dropBytes(mail: ReceivedMail) {
    for (const attachment of mail.attachments) {
      attachmentBytesKept -= attachment.content?.length ?? 0
      attachment.content = null
    }
  }

  async function receive(raw: Buffer, session: SMTPServerSession) {
    if (options.parse === false) {
      const sender = session.envelope.mailFrom
      return keep({
        id: String(nextId++),
        envelope: {
          from: sender ? sender.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        },
        headers: {},
        subject: '',
        text: '',
        html: '',
        attachments: [],
        rawSize: raw.length,
        receivedAt: new Date(),
      })
    }
    const parsed = await simpleParser(raw, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
    })
    const mailFrom = session.envelope.mailFrom
    keep({
      id: String(nextId++),
      envelope: {
        from: mailFrom ? mailFrom.address : '',
        to: session.envelope.rcptTo.map((recipient) => recipient.address),
      },
      headers: keptHeaders(parsed),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      attachments: parsed.attachments.map((attachment) => ({
        filename: attachment.filename ?? null,
        contentType: attachment.contentType,
        size: attachment.content.length,
        sha256: createHash('sha256').update(attachment.content).digest('hex'),
        content: attachment.content,
      })),
      rawSize: raw.length,
      receivedAt: new Date(),
    })
  }

  function reportLater(raw: Buffer, envelope: { from: string; to: string[] }) {
    const sender = envelope.from
    // A mail with an empty envelope sender is itself a report: never answered with one (RFC 3464).
    if (!sender) return
    const recipients = envelope.to
    const mailId = mails.at(-1)?.id ?? ''
    const bounced = recipients.filter((address) => matches(behaviour.bounceRecipients, address))
    const deferred = recipients.filter(
      (address) => !bounced.includes(address) && matches(behaviour.deferRecipients, address)
    )
    if (bounced.length) void sendReport(mailId, sender, bounced, 'failed', raw)
    if (deferred.length) void sendReport(mailId, sender, deferred, 'delayed', raw)
  }

  async function sendReport(
    mailId: string,
    to: string,
    recipients: string[],
    action: 'failed' | 'delayed',
    original: Buffer
  ) {
    const status = action === 'failed' ? '5.1.1' : '4.2.2'
    const raw = deliveryReport({ to, recipients, action, original, reportingHost: REPORTING_HOST })
    const relay = behaviour.dsnRelay
    let result: SentReport['result']
    try {
      if (!relay) throw new Error('no dsnRelay configured: nowhere to send the report')
      await sendRaw(relay, '', [to], raw)
      result = { accepted: true }
    } catch (error) {
      result = { accepted: false, error: (error as Error).message }
    }
    reports.push({ at: new Date(), mailId, to, recipients, status, action, result, raw })
    if (reports.length > maxMessages) reports.shift()
    for (const wake of waiters) wake()
  }

  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: !options.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    // Replies carry enhanced status codes (`550 5.1.1 ...`), as Postfix and the big providers send.
    hideENHANCEDSTATUSCODES: false,
    disableReverseLookup: true,
    // Replies are small writes; Nagle would hold one back behind an unacknowledged one.
    noDelay: true,
    ...(options.maxMessageBytes ? { size: options.maxMessageBytes, rejectOversized: true } : {}),
    // A pooled client's idle connection would otherwise hold close() for 30 s.
    closeTimeout: 1000,
    logger: false,
    onConnect(_session, callback) {
      if (!behaviour.failNextConnections) return callback()
      behaviour.failNextConnections--
      // The greeting carries no enhanced code of its own, so it is part of the text.
      callback(refuse({ stage: 'connect', code: 421 }, '4.7.0 Try again later'))
    },
    onAuth(auth, _session, callback) {
      const expected = options.auth
      if (!expected || (auth.username === expected.user && auth.password === expected.pass)) {
        return callback(null, { user: auth.username ?? '' })
      }
      callback(refuse({ stage: 'auth', code: 535 }, 'Authentication credentials invalid'))
    },
    onMailFrom(_address, _session, callback) {
      if (!behaviour.delayMs) return callback()
      setTimeout(() => callback(), behaviour.delayMs)
    },
    onRcptTo({ address }, _session, callback) {
      if (matches(behaviour.rejectRecipients, address)) {
        const message = `<${address}>: Recipient address rejected: User unknown`
        return callback(refuse({ stage: 'rcpt', code: 550, address }, message))
      }
      if (matches(behaviour.tempFailRecipients, address)) {
        const message = `<${address}>: Temporary failure, try again later`
        return callback(refuse({ stage: 'rcpt', code: 451, address }, message))
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        // smtp-server answers 552 itself (rejectOversized); the truncated bytes are not a mail.
        if (stream.sizeExceeded) {
          const message = `5.3.4 Error: message exceeds fixed maximum message size ${options.maxMessageBytes}`
          refuse({ stage: 'data', code: 552 }, message)
          return callback()
        }
        const raw = Buffer.concat(chunks)
        // smtp-server empties the session's envelope once DATA is answered.
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        }
        receive(raw, session).then(
          () => {
            callback()
            // After the 250, as an MTA finds out once the mail is queued.
            reportLater(raw, envelope)
          },
          (error: Error) => callback(reply(451, `Message could not be parsed: ${error.message}`))
        )
      })
    },
  })

  // A client that dies mid-session (a worker killed, a test's crash) resets its connection: not the server's error.
  smtp.on('error', () => {})

  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject)
    smtp.listen(options.port ?? 0, host, () => {
      smtp.server.off('error', reject)
      resolve()
    })
  })
  const port = (smtp.server.address() as AddressInfo).port

  const standIn: SmtpStandIn = {
    host,
    port,
    messages: () => [...mails],
    messagesTo(address) {
      const wanted = address.toLowerCase()
      return mails.filter((mail) => mail.envelope.to.some((to) => to.toLowerCase() === wanted))
    },
    refusals: () => [...refused],
    reports: () => [...reports],
    waitForReports(count, ceilingMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (reports.length < count) return
          done()
          resolve([...reports])
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`Waited ${ceilingMs} ms for ${count} reports: ${reports.length} sent`))
        }, ceilingMs)
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    waitFor(count, ceilingMs) {
      if (count > maxMessages) {
        return Promise.reject(
          new Error(`Cannot wait for ${count} mails: the stand-in keeps at most ${maxMessages}`)
        )
      }
      return new Promise((resolve, reject) => {
        const check = () => {
          if (mails.length < count) return
          done()
          resolve([...mails])
        }
        const timer = setTimeout(() => {
          done()
          const refusalNote = refused.length ? `, ${refused.length} refused` : ''
          reject(
            new Error(
              `Waited ${ceilingMs} ms for ${count} mails at the SMTP stand-in: ${mails.length} arrived${refusalNote}`
            )
          )
        }, ceilingMs)
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    reset() {
      mails = []
      refused = []
      reports = []
      attachmentBytesKept = 0
      oldestWithBytes = 0
    },
    configure,
    async close() {
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        inbox && closeHttp(inbox),
      ])
    },
  }

  const inbox =
    options.httpPort === undefined ? undefined : await serveInbox(standIn, host, options.httpPort)
  if (inbox) standIn.inboxUrl = `http://${host}:${(inbox.address() as AddressInfo).port}`
  return standIn
}

/*
| The HTTP inbox: what the stand-in received, for tests in another process
| and for the demo.
|   GET    /                                  an HTML page listing the newest mails
|   GET    /messages[?to=address]             JSON, oldest first, without bodies or bytes
|   GET    /messages/:id                      JSON, with the text and html bodies
|   GET    /messages/:id/attachments/:index   the attachment's bytes (410 once dropped)
|   DELETE /messages                          forgets everything (204)
*/

function summary(mail: ReceivedMail, withBodies: boolean) {
  const { text, html, attachments, ...rest } = mail
  return {
    ...rest,
    ...(withBodies ? { text, html } : {}),
    attachments: attachments.map(({ content, ...metadata }, index) => ({
      ...metadata,
      contentKept: content !== null,
      path: `/messages/${mail.id}/attachments/${index}`,
    })),
  }
}

function escapeHtml(value: string) {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const PAGE_ROWS = 200

function page(standIn: SmtpStandIn) {
  const mails = standIn.messages()
  const rows = mails
    .slice(-PAGE_ROWS)
    .reverse()
    .map((mail) => {
      const files = mail.attachments
        .map((a, i) => {
          const link = `/messages/${mail.id}/attachments/${i}`
          return `<a href="${link}">${escapeHtml(a.filename ?? `attachment ${i + 1}`)}</a> (${a.size} B)`
        })
        .join('<br>')
      const cells = [
        mail.receivedAt.toISOString(),
        mail.envelope.from,
        mail.envelope.to.join(', '),
        `<a href="/messages/${mail.id}">${escapeHtml(mail.subject || '(no subject)')}</a>`,
      ].map((cell, i) => (i === 3 ? cell : escapeHtml(cell)))
      return `<tr><td>${[...cells, files].join('</td><td>')}</td></tr>`
    })
  const shown = mails.length > PAGE_ROWS ? ` (the newest ${PAGE_ROWS} shown)` : ''
  return `<!doctype html><meta charset="utf-8"><title>SMTP stand-in</title>
<h1>${mails.length} mails received${shown}</h1>
<table border="1" cellpadding="4"><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th><th>Attachments</th></tr>
${rows.join('\n')}</table>`
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}

function answer(standIn: SmtpStandIn, request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://inbox')
  const [, collection, id, sub, index, ...rest] = url.pathname.split('/')
  const method = request.method ?? 'GET'
  const notFound = () => send(response, 404, { error: `Nothing at ${method} ${url.pathname}` })
  if (url.pathname === '/' && method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    return response.end(page(standIn))
  }
  if (collection !== 'messages' || rest.length) return notFound()
  if (id === undefined || id === '') {
    if (method === 'DELETE') {
      standIn.reset()
      response.writeHead(204)
      return response.end()
    }
    if (method !== 'GET') return notFound()
    const to = url.searchParams.get('to')
    const mails = to ? standIn.messagesTo(to) : standIn.messages()
    return send(
      response,
      200,
      mails.map((mail) => summary(mail, false))
    )
  }
  const mail = method === 'GET' ? standIn.messages().find((m) => m.id === id) : undefined
  if (!mail) return notFound()
  if (sub === undefined) return send(response, 200, summary(mail, true))
  const attachment = sub === 'attachments' ? mail.attachments[Number(index)] : undefined
  if (!attachment || !/^\d+$/.test(index ?? '')) return notFound()
  if (!attachment.content) {
    return send(response, 410, {
      error: `The bytes of attachment ${index} of mail ${id} were dropped to keep memory bounded (maxAttachmentBytes)`,
    })
  }
  const filename = (attachment.filename ?? `attachment-${index}`).replace(/["\\\r\n]/g, '_')
  response.writeHead(200, {
    'content-type': attachment.contentType,
    'content-length': attachment.content.length,
    'content-disposition': `inline; filename="${filename}"`,
  })
  response.end(attachment.content)
}

async function serveInbox(standIn: SmtpStandIn, host: string, port: number) {
  const server = createServer((request, response) => answer(standIn, request, response))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

function closeHttp(server: Server) {
  server.closeAllConnections()
  return new Promise<void>((resolve) => server.close(() => resolve()))
}

/** `host:port` of `--dsn-relay`. */
function relayOf(value: string | undefined) {
  if (value === undefined) return undefined
  const match = /^(.+):(\d+)$/.exec(value)
  if (!match) throw new Error(`--dsn-relay must be host:port, got "${value}"`)
  return { host: match[1], port: Number(match[2]) }
}

async function main() {
  const { values } = parseArgs({
    options: {
      'host': { type: 'string', default: '127.0.0.1' },
      'port': { type: 'string', default: '2525' },
      'http-port': { type: 'string', default: '8025' },
      'user': { type: 'string' },
      'pass': { type: 'string' },
      'reject': { type: 'string' },
      'bounce': { type: 'string' },
      'dsn-relay': { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-messages': { type: 'string' },
    },
  })
  const integer = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got "${value}"`)
    return Number(value)
  }
  if (Boolean(values.user) !== Boolean(values.pass)) {
    throw new Error('--user and --pass go together: give both to require a login, or neither')
  }
  const standIn = await startSmtpStandIn({
    host: values.host,
    port: integer('port', values.port),
    httpPort: integer('http-port', values['http-port']),
    auth: values.user ? { user: values.user, pass: values.pass! } : undefined,
    rejectRecipients: values.reject?.split(',').map((address) => address.trim()),
    bounceRecipients: values.bounce?.split(',').map((address) => address.trim()),
    dsnRelay: relayOf(values['dsn-relay']),
    maxMessageBytes: integer('max-message-bytes', values['max-message-bytes']),
    maxMessages: integer('max-messages', values['max-messages']),
  })
  console.log(`SMTP stand-in listening on ${standIn.host}:${standIn.port}`)
  console.log(`Inbox: ${standIn.inboxUrl}/ (JSON at ${standIn.inboxUrl}/messages)`)
  const stop = () => standIn.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: Error) => {
    console.error(error.message)
    process.exit(1)
  })
}
