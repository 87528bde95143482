import { connect, type Socket } from 'node:net'
import nodemailer, { type Transporter } from 'nodemailer'
import type { Attachment } from 'nodemailer/lib/mailer/index.js'
import MailComposer from 'nodemailer/lib/mail-composer/index.js'
import deliveries from '#config/deliveries'
import env from '#start/env'
import { readDocument } from '#core/queries/org_files'
import type {
  MessageSender,
  OutgoingMessage,
  SendOutcome,
} from '#deliveries/services/message_senders'
import type { SmtpSecurity } from '#deliveries/services/providers'
import { sendThroughEmailApi } from '#deliveries/services/email_api_sender'
import { openPixelHtml } from '#deliveries/services/open_tracking'
import { bounceAddressOf, usesBounceAddress } from '#deliveries/services/bounce_addresses'

/**
 * Sends a delivery's email: through the org's SMTP server, or through the
 * platform's own (config/mail's SMTP, From "<org> via Authentix") when the
 * org has no email integration. The certificates' PDFs are attached up to
 * `deliveries.maxAttachmentBytes` in total; above it the email links to
 * each (signed, expiring). Every email carries `List-Unsubscribe` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
 *
 * With the platform's bounce mailbox (BOUNCE_DOMAIN) the envelope sender is
 * the message's own bounce address (#deliveries/services/bounce_addresses):
 * always for the platform's sender, for an SMTP integration unless its
 * `platform_bounces` setting is off; a later bounce then reaches us.
 *
 * SMTP acceptance is `accepted` (the message's `sent`); its Message-ID,
 * derived from the idempotency key, is the provider message id. Errors:
 * 4xx and network → transient; 5xx at RCPT or DATA → permanent (the
 * recipient or this message); authentication (535, EAUTH) and a refused
 * sender (5xx at MAIL FROM) → account (the integration pauses). The HTTP
 * providers (Resend, SendGrid, Brevo, Mailgun) get the same email through
 * their own APIs (#deliveries/services/email_api_sender), with the
 * message's idempotency key.
 *
 * Transports are pooled per integration (and pinned address), kept open
 * between messages of a job and closed after `IDLE_MS` unused; their
 * sockets set TCP_NODELAY.
 */
const TIMEOUT_MS = 15_000
const IDLE_MS = 10_000
/**
 * Connections per pooled transport: as many as one send job keeps in flight
 * (an SMTP connection carries one mail at a time; with 4 the deliver bench
 * stalled at ~160 mails/s waiting for a free one).
 */
const POOL_CONNECTIONS = deliveries.inFlightPerJob

interface PooledTransport {
  transport: Transporter
  timer: NodeJS.Timeout | null
  /** Sends in progress on it: closed only when idle. */
  users: number
}

function escapeHtml(text: string) {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

const transports = new Map<string, PooledTransport>()

type SmtpTarget = {
  host: string
  /** The address to connect to (the SSRF check's), else `host`. */
  address: string
  port: number
  security: SmtpSecurity
  user?: string
  pass?: string
}

function platformTarget(): SmtpTarget | null {
  const host = env.get('SMTP_HOST')
  if (!host) return null
  const secure = env.get('SMTP_SECURE', false)
  return {
    host,
    address: host,
    port: env.get('SMTP_PORT', 25),
    security: secure ? 'tls' : 'none',
    user: env.get('SMTP_USERNAME'),
    pass: env.get('SMTP_PASSWORD', ''),
  }
}

function smtpTargetOf(outgoing: OutgoingMessage): SmtpTarget {
  const config = outgoing.integration!.config as {
    host: string
    port: number
    security: SmtpSecurity
    username?: string
  }
  return {
    host: config.host,
    address: outgoing.addresses[0] ?? config.host,
    port: Number(config.port),
    security: config.security,
    user: config.username,
    pass: outgoing.secrets.password ?? '',
  }
}

/** A socket to the pinned address with Nagle's algorithm off: SMTP's small commands go out at once. */
function noDelaySocket(target: SmtpTarget) {
  return (
    _options: unknown,
    callback: (error: Error | null, socket?: { connection: Socket }) => void
  ) => {
    const socket = connect({ host: target.address, port: target.port })
    socket.setNoDelay(true)
    const timer = setTimeout(() => {
      socket.destroy()
      callback(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }))
    }, TIMEOUT_MS)
    socket.once('connect', () => {
      clearTimeout(timer)
      // An idle pooled connection does not keep a stopping worker (`queue:work --once`) alive;
      // while a job runs, its lease heartbeat does.
      socket.unref()
      socket.removeAllListeners('error')
      callback(null, { connection: socket })
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      callback(error)
    })
  }
}

function transportFor(key: string, target: SmtpTarget) {
  const pooled = transports.get(key)
  if (pooled) {
    if (pooled.timer) clearTimeout(pooled.timer)
    pooled.timer = null
    pooled.users++
    return pooled
  }
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: POOL_CONNECTIONS,
    maxMessages: 500,
    host: target.address,
    port: target.port,
    secure: target.security === 'tls',
    requireTLS: target.security === 'starttls',
    ignoreTLS: target.security === 'none',
    tls: { servername: target.host },
    auth: target.user ? { user: target.user, pass: target.pass ?? '' } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    getSocket: noDelaySocket(target),
  } as any)
  const entry: PooledTransport = { transport, timer: null, users: 1 }
  transports.set(key, entry)
  return entry
}

function release(key: string, entry: PooledTransport) {
  entry.users--
  if (entry.users > 0) return
  entry.timer = setTimeout(() => {
    transports.delete(key)
    entry.transport.close()
  }, IDLE_MS)
  entry.timer.unref()
}

/** Closes every pooled transport (a worker stopping, the end of a test). */
export function closeEmailTransports() {
  for (const [key, entry] of transports) {
    if (entry.timer) clearTimeout(entry.timer)
    entry.transport.close()
    transports.delete(key)
  }
}

interface Attached {
  attachments: Attachment[]
  /** Certificates too large to attach (the total went over the limit): linked instead. */
  linked: OutgoingMessage['certificates']
}

/** The PDFs, read through the org, while their total stays under the limit; else none, all linked. */
async function attachmentsOf(outgoing: OutgoingMessage): Promise<Attached> {
  const attachments: Attachment[] = []
  let total = 0
  for (const certificate of outgoing.certificates) {
    if (!certificate.fileId || !certificate.storageKey)
      return { attachments: [], linked: outgoing.certificates }
    const bytes = await readDocument({
      path: certificate.storageKey,
      baseFileId: certificate.baseFileId,
      organizationId: outgoing.message.organizationId,
    })
    total += bytes.byteLength
    if (total > deliveries.maxAttachmentBytes)
      return { attachments: [], linked: outgoing.certificates }
    attachments.push({
      filename: `${certificate.certificateNumber}.pdf`,
      content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      contentType: 'application/pdf',
    })
  }
  return { attachments, linked: [] }
}

/**
 * The email as sent: the rendered template, the links of the certificates
 * too large to attach, and (when the message tracks opens) the tracking
 * image at the end of the HTML part; the plain-text part never has one.
 */
function withLinks(outgoing: OutgoingMessage, linked: OutgoingMessage['certificates']) {
  const email = linkedOf(outgoing, linked)
  if (!outgoing.message.tracksOpens) return email
  return { ...email, html: `${email.html}${openPixelHtml(outgoing.message.id)}` }
}

function linkedOf(outgoing: OutgoingMessage, linked: OutgoingMessage['certificates']) {
  const email = outgoing.email!
  if (linked.length === 0) return email
  const days = deliveries.linkTtlDays
  const text =
    `${email.text}\n\nYour certificate${linked.length === 1 ? '' : 's'} (download links valid ${days} days):\n` +
    linked.map((c) => `${c.certificateNumber}: ${c.downloadUrl}`).join('\n') +
    `\n\nAll your certificates: ${outgoing.recipientPageUrl}\n`
  const html =
    `${email.html}<p>Your certificate${linked.length === 1 ? '' : 's'} (download links valid ${days} days):</p><ul>` +
    linked
      .map(
        (c) =>
          `<li><a href="${escapeHtml(c.downloadUrl)}">${escapeHtml(c.certificateNumber)} (PDF)</a></li>`
      )
      .join('') +
    `</ul><p><a href="${escapeHtml(outgoing.recipientPageUrl)}">All your certificates</a></p>`
  return { subject: email.subject, text, html }
}

type SmtpError = Error & {
  code?: string
  responseCode?: number
  response?: string
  command?: string
}

/** nodemailer's error as an outcome: what it means for the message, in words an org's staff understand. */
export function smtpOutcome(
  error: SmtpError,
  host: string,
  port: number,
  to: string,
  returnPath: string | null = null
): SendOutcome {
  const said = error.response ? ` The server said: “${error.response.trim().slice(0, 300)}”` : ''
  const code = error.responseCode ? `smtp_${error.responseCode}` : (error.code ?? 'smtp_error')
  const command = (error.command ?? '').toUpperCase()
  if (error.responseCode === 535 || error.responseCode === 534 || error.code === 'EAUTH') {
    return {
      outcome: 'account',
      code,
      reason: `Authentication failed: ${host} refused the user name or password (SMTP ${error.responseCode ?? 535}). Sending is paused until the integration's password is fixed.${said}`,
    }
  }
  if (error.responseCode && error.responseCode >= 400 && error.responseCode < 500) {
    return {
      outcome: 'transient',
      code,
      reason: `The mail server deferred the message (SMTP ${error.responseCode}); it will be tried again.${said}`,
    }
  }
  if (error.responseCode && error.responseCode >= 500) {
    if (command.startsWith('MAIL')) {
      const check = returnPath
        ? `the envelope sender was Authentix's bounce address (${returnPath}): let the server send as it, or turn off "Bounces to Authentix's bounce address"`
        : "check the integration's From address"
      return {
        outcome: 'account',
        code,
        reason: `The mail server refused the sender address (SMTP ${error.responseCode}): ${check}.${said}`,
      }
    }
    if (error.responseCode === 552) {
      return {
        outcome: 'permanent',
        code,
        reason: `The mail server refused the message as too large (SMTP 552).${said}`,
      }
    }
    return {
      outcome: 'permanent',
      code,
      reason: `The mail server rejected the message to ${to} (SMTP ${error.responseCode}): the address may not exist.${said}`,
    }
  }
  if (error.code === 'ETLS' || /TLS|SSL|certificate/i.test(error.message)) {
    return {
      outcome: 'account',
      code: error.code ?? 'ETLS',
      reason: `The secure connection to ${host}:${port} failed (${error.message}): check the integration's connection security.`,
    }
  }
  if (error.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(error.message)) {
    return {
      outcome: 'transient',
      code: 'ECONNREFUSED',
      reason: `Connection refused: nothing accepts SMTP connections at ${host}:${port}. It will be tried again.`,
    }
  }
  return {
    outcome: 'transient',
    code,
    reason: `The mail server could not be reached (${error.message}); it will be tried again.`,
  }
}

/** Every email's own headers: which message it is, and the one-click unsubscribe (RFC 8058). */
function headersOf(outgoing: OutgoingMessage): Record<string, string> {
  return {
    'X-Authentix-Message': outgoing.message.id,
    ...(outgoing.unsubscribeUrl
      ? {
          'List-Unsubscribe': `<${outgoing.unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        }
      : {}),
  }
}

function messageIdOf(outgoing: OutgoingMessage, fromAddress: string) {
  const domain = fromAddress.split('@')[1] || 'authentix.local'
  return `<${outgoing.message.idempotencyKey.slice(0, 32)}@${domain}>`
}

/** One email of a delivery over SMTP (the org's server, or the platform's). */
export const sendEmail: MessageSender = async (outgoing) => {
  const to = outgoing.message.toEmail!
  if (!outgoing.email) throw new Error('An email message needs its rendered template')
  let target: SmtpTarget
  let from: { name: string; address: string }
  let key: string
  if (outgoing.integration === null) {
    const platform = platformTarget()
    if (!platform) {
      return {
        outcome: 'transient',
        code: 'E_PLATFORM_MAIL_OFF',
        reason:
          "The platform's own mail server is not configured (SMTP_HOST): add an email integration under Settings → Delivery.",
      }
    }
    target = platform
    from = {
      name: `${outgoing.orgName} via ${deliveries.platformLabel}`,
      address: env.get('MAIL_FROM_ADDRESS', 'no-reply@authentix.local'),
    }
    key = `platform:${target.address}:${target.port}`
  } else if (outgoing.integration.provider === 'smtp') {
    target = smtpTargetOf(outgoing)
    from = {
      name: outgoing.integration.fromName ?? outgoing.orgName,
      address: outgoing.integration.fromEmail!,
    }
    key = `${outgoing.integration.id}:${outgoing.integration.updatedAt?.toMillis()}:${target.address}`
  } else {
    // An HTTP provider (Resend, SendGrid, Brevo, Mailgun): the same email through its own API.
    const integration = outgoing.integration
    const { attachments, linked } = await attachmentsOf(outgoing)
    const email = withLinks(outgoing, linked)
    const fromAddress = integration.fromEmail!
    return sendThroughEmailApi(
      { integration, secrets: outgoing.secrets, address: outgoing.addresses[0] },
      {
        from: { name: integration.fromName ?? outgoing.orgName, address: fromAddress },
        to,
        replyTo: (integration.config.reply_to as string | undefined) ?? undefined,
        subject: email.subject,
        text: email.text,
        html: email.html,
        attachments: attachments.map((attachment) => ({
          filename: String(attachment.filename),
          content: attachment.content as Buffer,
          contentType: 'application/pdf',
        })),
        headers: headersOf(outgoing),
        idempotencyKey: outgoing.message.idempotencyKey,
      }
    )
  }
  const { attachments, linked } = await attachmentsOf(outgoing)
  const email = withLinks(outgoing, linked)
  const entry = transportFor(key, target)
  const messageId = messageIdOf(outgoing, from.address)
  // The envelope sender (Return-Path) is the message's own bounce address when the platform has a
  // bounce mailbox: a server that accepted the mail and bounces it later reports to us. From stays.
  const returnPath = usesBounceAddress(outgoing.integration)
    ? bounceAddressOf(outgoing.message.id)
    : null
  try {
    // Composed whole, then handed over as one buffer: streamed as nodemailer composes it, the
    // DATA went to the socket a short line at a time, a write each (~8 % of the queue worker's
    // CPU sending 5,000 emails with their PDFs in the deliver bench).
    const raw = await new MailComposer({
      from,
      to,
      replyTo: (outgoing.integration?.config.reply_to as string | undefined) ?? undefined,
      subject: email.subject,
      text: email.text,
      html: email.html,
      attachments,
      messageId,
      headers: headersOf(outgoing),
    })
      .compile()
      .build()
    await entry.transport.sendMail({
      envelope: { from: returnPath ?? from.address, to: [to] },
      raw,
    })
    // The Message-ID is ours, in the composed message (nodemailer makes up another for raw ones).
    return { outcome: 'accepted', providerMessageId: messageId }
  } catch (error) {
    return smtpOutcome(error as SmtpError, target.host, target.port, to, returnPath)
  } finally {
    release(key, entry)
  }
}
