import nodemailer from 'nodemailer'
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib'
import type DeliveryIntegration from '#deliveries/models/delivery_integration'
import { postJsonPinned, postPinned, type JsonAnswer } from '#deliveries/services/pinned_http'
import {
  DEFAULT_BASE_URLS,
  DEFAULT_GRAPH_API_BASE_URL,
  PROVIDER_LABELS,
  type EmailHttpProvider,
  type SecretType,
  type SmtpSecurity,
} from '#deliveries/services/providers'
import { mediaUrl, uploadPdf } from '#deliveries/services/whatsapp_sender'

export type TestOutcome =
  { kind: 'succeeded'; message: string } | { kind: 'failed'; message: string }

export interface TestSend {
  integration: DeliveryIntegration
  secrets: Partial<Record<SecretType, string>>
  /** Addresses the SSRF check approved for the integration's host; the send connects to the first. */
  addresses: string[]
  to: string
  orgName: string
}

const TIMEOUT_MS = 15_000

/** Sample values for a test message's template parameters, by variable name. */
const SAMPLE_VALUES: Record<string, string> = {
  recipient_name: 'Test Recipient',
  course_name: 'Sample Course',
  certificate_number: 'TEST-0001',
  certificate_count: '1',
  verification_url: 'https://example.org/v/test',
  recipient_page_url: 'https://example.org/r/test',
  issue_date: '1 January 2026',
  expiry_date: '1 January 2027',
}

/** The test email's words, the same whichever way it goes. */
function testEmail(send: TestSend, via: string) {
  return {
    subject: `Test message from ${send.orgName}`,
    text:
      `This is a test message from ${send.orgName}, sent through the delivery integration ` +
      `“${send.integration.displayName}” (${via}).\n\n` +
      `If you can read it, certificates sent through this integration will arrive here too.`,
  }
}

/** A test email over the integration's SMTP server; the outcome in words a user understands. */
export async function sendSmtpTest(send: TestSend): Promise<TestOutcome> {
  const { integration } = send
  const config = integration.config as {
    host: string
    port: number
    security: SmtpSecurity
    username?: string
  }
  const transport = nodemailer.createTransport({
    host: send.addresses[0] ?? config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    tls: { servername: config.host },
    auth: config.username
      ? { user: config.username, pass: send.secrets.password ?? '' }
      : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  })
  try {
    await transport.sendMail({
      from: { name: integration.fromName ?? send.orgName, address: integration.fromEmail! },
      replyTo: (integration.config.reply_to as string | undefined) ?? undefined,
      to: send.to,
      ...testEmail(send, `${config.host}:${config.port}`),
    })
    return {
      kind: 'succeeded',
      message: `The SMTP server accepted the test message for ${send.to}.`,
    }
  } catch (error) {
    return {
      kind: 'failed',
      message: smtpProblem(error as SmtpError, config.host, config.port, send.to),
    }
  } finally {
    transport.close()
  }
}

type SmtpError = Error & { code?: string; responseCode?: number; response?: string }

/** nodemailer's error as a sentence: what failed, and the server's own words where it gave any. */
export function smtpProblem(error: SmtpError, host: string, port: number, to: string): string {
  const said = error.response ? ` The server said: “${error.response.trim()}”` : ''
  if (error.responseCode === 535 || error.code === 'EAUTH') {
    return `Authentication failed: ${host} refused the user name or password (SMTP ${error.responseCode ?? 535}).${said}`
  }
  if (error.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(error.message)) {
    return `Connection refused: nothing accepts SMTP connections at ${host}:${port}. Check the host and port.`
  }
  if (error.code === 'ETIMEDOUT' || (error.code === 'ESOCKET' && /timeout/i.test(error.message))) {
    return `No answer from ${host}:${port} within ${TIMEOUT_MS / 1000} seconds: the server is down or a firewall drops the connection.`
  }
  if (error.responseCode && error.responseCode >= 550 && error.responseCode <= 554) {
    return `The server rejected the message to ${to} (SMTP ${error.responseCode}).${said}`
  }
  if (error.code === 'ETLS' || /TLS|SSL|certificate/i.test(error.message)) {
    return `The secure connection to ${host}:${port} failed (${error.message}): check the connection security setting.`
  }
  if (error.responseCode) {
    return `The SMTP server refused the test message (SMTP ${error.responseCode}).${said}`
  }
  return `The test message could not be sent: ${error.message}.`
}

/**
 * The PDF a WhatsApp test message carries as its document header: one A4
 * landscape page saying what it is. Made once per process (a few ms, the same
 * bytes for every org).
 */
let samplePdf: Promise<Uint8Array> | null = null

export function testCertificatePdf() {
  samplePdf ??= (async () => {
    const pdf = await PDFDocument.create()
    pdf.setTitle('Test certificate')
    pdf.setProducer('Authentix')
    const page = pdf.addPage([842, 595])
    const bold = await pdf.embedFont(StandardFonts.HelveticaBold)
    const regular = await pdf.embedFont(StandardFonts.Helvetica)
    page.drawText('Test certificate', {
      x: 72,
      y: 420,
      size: 40,
      font: bold,
      color: rgb(0.1, 0.2, 0.4),
    })
    page.drawText('Sent by Authentix to check a WhatsApp delivery integration.', {
      x: 72,
      y: 370,
      size: 16,
      font: regular,
    })
    page.drawText(
      'Certificates sent through it arrive as this one did: as a document in the chat.',
      {
        x: 72,
        y: 345,
        size: 12,
        font: regular,
        color: rgb(0.3, 0.3, 0.3),
      }
    )
    return pdf.save()
  })()
  return samplePdf
}

export const TEST_CERTIFICATE_FILENAME = 'test-certificate.pdf'

/**
 * A WhatsApp template message through the Cloud API, as deliveries send it:
 * a sample PDF as the document header (templates are approved with one;
 * without it Meta refuses with 132012), uploaded to the number's `/media`
 * so the test does not depend on Meta reaching this server, and a sample
 * value per body parameter.
 */
export async function sendWhatsAppTest(send: TestSend): Promise<TestOutcome> {
  const { integration } = send
  const config = integration.config as {
    api_base_url?: string
    api_version: string
    template_name: string
    template_language: string
    body_parameters?: string[]
  }
  const base = (config.api_base_url ?? DEFAULT_GRAPH_API_BASE_URL).replace(/\/+$/, '')
  const url = new URL(`${base}/${config.api_version}/${integration.whatsappPhoneNumberId}/messages`)
  const parameters = (config.body_parameters ?? []).map((name) => ({
    type: 'text',
    text:
      SAMPLE_VALUES[name] ??
      (name === 'org_name' ? send.orgName : `Sample ${name.replaceAll('_', ' ')}`),
  }))
  const to = send.to.replace(/[^0-9]/g, '')
  try {
    const upload = await uploadPdf(
      mediaUrl(base, config.api_version, integration.whatsappPhoneNumberId ?? ''),
      {
        address: send.addresses[0],
        accessToken: send.secrets.access_token ?? '',
        bytes: await testCertificatePdf(),
        filename: TEST_CERTIFICATE_FILENAME,
      }
    )
    const mediaId = (upload.body as { id?: unknown } | null)?.id
    if (upload.status < 200 || upload.status >= 300 || typeof mediaId !== 'string') {
      return {
        kind: 'failed',
        message: `Uploading the sample certificate PDF failed: ${graphProblem(upload.body, upload.status, integration, config, to)}`,
      }
    }
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'template',
      template: {
        name: config.template_name,
        language: { code: config.template_language },
        components: [
          {
            type: 'header',
            parameters: [
              { type: 'document', document: { id: mediaId, filename: TEST_CERTIFICATE_FILENAME } },
            ],
          },
          ...(parameters.length > 0 ? [{ type: 'body', parameters }] : []),
        ],
      },
    }
    const answer = await postJsonPinned(
      url,
      send.addresses[0],
      { Authorization: `Bearer ${send.secrets.access_token ?? ''}` },
      body,
      TIMEOUT_MS
    )
    if (answer.status >= 200 && answer.status < 300) {
      const id = (answer.body as { messages?: { id?: string }[] })?.messages?.[0]?.id
      return {
        kind: 'succeeded',
        message: `WhatsApp accepted the test message for +${to}${id ? ` (message id ${id})` : ''}.`,
      }
    }
    return {
      kind: 'failed',
      message: graphProblem(answer.body, answer.status, integration, config, to),
    }
  } catch (error) {
    const problem = error as NodeJS.ErrnoException
    if (problem.code === 'ECONNREFUSED') {
      return {
        kind: 'failed',
        message: `Connection refused: nothing answers at ${url.origin}. Check the Graph API base URL.`,
      }
    }
    if (problem.code === 'ETIMEDOUT') {
      return {
        kind: 'failed',
        message: `No answer from ${url.origin} within ${TIMEOUT_MS / 1000} seconds.`,
      }
    }
    return {
      kind: 'failed',
      message: `The test message could not be sent to ${url.origin}: ${problem.message}.`,
    }
  }
}

type GraphErrorBody = {
  error?: { code?: number; message?: string; error_data?: { details?: string } }
}

/** A Graph API error as a sentence naming the setting to fix. */
export function graphProblem(
  body: unknown,
  status: number,
  integration: DeliveryIntegration,
  config: { template_name: string; template_language: string },
  to: string
): string {
  const error = (body as GraphErrorBody)?.error
  const code = error?.code
  const details = error?.error_data?.details ?? error?.message
  switch (code) {
    case 190:
      return 'The access token was refused (Graph error 190): it is wrong or has expired. Paste a new access token.'
    case 132001:
      return `The template “${config.template_name}” in language ${config.template_language} does not exist or is not approved yet (Graph error 132001).`
    case 132000:
      return `The template “${config.template_name}” takes a different number of body parameters than the ${
        (integration.config.body_parameters as string[] | undefined)?.length ?? 0
      } configured (Graph error 132000).`
    case 100:
      return `WhatsApp does not know the phone number id ${integration.whatsappPhoneNumberId}, or the token may not send from it (Graph error 100).`
    case 131026:
      return `+${to} cannot receive WhatsApp messages (Graph error 131026): the number may not be on WhatsApp.`
    case 130429:
    case 131056:
      return `WhatsApp is limiting how fast this number may send (Graph error ${code}): try again in a minute.`
    case 131031:
      return 'WhatsApp has locked this business account (Graph error 131031): see Meta Business Manager.'
    case undefined:
      return `WhatsApp answered with HTTP ${status} and no error code.`
    default:
      return `WhatsApp refused the test message (Graph error ${code})${details ? `: ${details}` : '.'}`
  }
}

/**
 * A test email through an HTTP provider's own API (Resend, Mailgun, Brevo,
 * SendGrid), each request shaped as its documentation gives it.
 */
export async function sendEmailApiTest(send: TestSend): Promise<TestOutcome> {
  const { integration } = send
  const provider = integration.provider as EmailHttpProvider
  const label = PROVIDER_LABELS[provider]
  const config = integration.config as { base_url?: string; domain?: string; reply_to?: string }
  const base = (config.base_url ?? DEFAULT_BASE_URLS[provider]).replace(/\/+$/, '')
  const apiKey = send.secrets.api_key ?? ''
  const from = { email: integration.fromEmail!, name: integration.fromName ?? send.orgName }
  const { subject, text } = testEmail(send, label)
  const address = send.addresses[0]
  let answer: JsonAnswer
  let url: URL
  try {
    switch (provider) {
      case 'resend':
        url = new URL(`${base}/emails`)
        answer = await postJsonPinned(
          url,
          address,
          { Authorization: `Bearer ${apiKey}` },
          {
            from: `${from.name} <${from.email}>`,
            to: [send.to],
            subject,
            text,
            ...(config.reply_to ? { reply_to: config.reply_to } : {}),
          },
          TIMEOUT_MS
        )
        break
      case 'sendgrid':
        url = new URL(`${base}/v3/mail/send`)
        answer = await postJsonPinned(
          url,
          address,
          { Authorization: `Bearer ${apiKey}` },
          {
            personalizations: [{ to: [{ email: send.to }] }],
            from,
            ...(config.reply_to ? { reply_to: { email: config.reply_to } } : {}),
            subject,
            content: [{ type: 'text/plain', value: text }],
          },
          TIMEOUT_MS
        )
        break
      case 'brevo':
        url = new URL(`${base}/v3/smtp/email`)
        answer = await postJsonPinned(
          url,
          address,
          { 'api-key': apiKey },
          {
            sender: from,
            to: [{ email: send.to }],
            subject,
            textContent: text,
            ...(config.reply_to ? { replyTo: { email: config.reply_to } } : {}),
          },
          TIMEOUT_MS
        )
        break
      case 'mailgun': {
        url = new URL(`${base}/v3/${encodeURIComponent(config.domain ?? '')}/messages`)
        const form = new URLSearchParams({
          from: `${from.name} <${from.email}>`,
          to: send.to,
          subject,
          text,
        })
        if (config.reply_to) form.set('h:Reply-To', config.reply_to)
        answer = await postPinned(
          url,
          address,
          {
            'Authorization': `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`,
            'Content-Type': 'application/x-www-form-urlencoded',
          },
          Buffer.from(form.toString()),
          TIMEOUT_MS
        )
        break
      }
    }
  } catch (error) {
    const problem = error as NodeJS.ErrnoException
    const origin = new URL(base).origin
    if (problem.code === 'ECONNREFUSED') {
      return {
        kind: 'failed',
        message: `Connection refused: nothing answers at ${origin}. Check the API base URL.`,
      }
    }
    if (problem.code === 'ETIMEDOUT') {
      return {
        kind: 'failed',
        message: `No answer from ${origin} within ${TIMEOUT_MS / 1000} seconds.`,
      }
    }
    return {
      kind: 'failed',
      message: `The test message could not be sent to ${origin}: ${problem.message}.`,
    }
  }
  if (answer.status >= 200 && answer.status < 300) {
    return { kind: 'succeeded', message: `${label} accepted the test message for ${send.to}.` }
  }
  return { kind: 'failed', message: emailApiProblem(label, answer) }
}

/** A provider's refusal as a sentence: the status in words, and the provider's own message where it sent one. */
export function emailApiProblem(label: string, answer: JsonAnswer): string {
  const said = providerMessage(answer.body)
  const quoted = said ? ` ${label} said: “${said}”` : ''
  if (answer.status === 401 || answer.status === 403) {
    return `${label} refused the API key (HTTP ${answer.status}): check that it is right and allowed to send email.${quoted}`
  }
  if (answer.status === 429) {
    return `${label} is limiting how fast this account may send (HTTP 429): try again in a minute.${quoted}`
  }
  if (answer.status >= 500) {
    return `${label} had a problem on its side (HTTP ${answer.status}): try again later.${quoted}`
  }
  return `${label} refused the test message (HTTP ${answer.status}).${quoted}`
}

function providerMessage(body: unknown): string | null {
  if (typeof body === 'string') return body.trim().slice(0, 300) || null
  if (body === null || typeof body !== 'object') return null
  const record = body as { message?: unknown; errors?: { message?: unknown }[] }
  if (typeof record.message === 'string') return record.message.slice(0, 300)
  const first = record.errors?.[0]?.message
  return typeof first === 'string' ? first.slice(0, 300) : null
}
