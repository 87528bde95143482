import { readDocument } from '#core/queries/org_files'
import { postJsonPinned, postPinned, type JsonAnswer } from '#deliveries/services/pinned_http'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import type {
  MessageSender,
  OutgoingCertificate,
  OutgoingMessage,
  SendOutcome,
  UploadedMedia,
} from '#deliveries/services/message_senders'
import { DEFAULT_GRAPH_API_BASE_URL } from '#deliveries/services/providers'

/**
 * Sends a recipient's certificates as the integration's approved WhatsApp
 * template through the Cloud API: the first certificate as the template's
 * document header, the body parameters from the template's variables. The
 * integration's `document_delivery` says how Meta gets the PDF: `link`
 * (Meta fetches our signed link) or `upload` (the PDF, read as the email
 * path reads it, is uploaded to `/<version>/<phone_number_id>/media` and
 * sent by its id; an id uploaded in the last 29 days is sent again, and an
 * upload's errors are classified as a send's). The Graph API takes no
 * idempotency key; the message's id travels as `biz_opaque_callback_data`,
 * which Meta echoes in every status notification of it.
 */
export const sendWhatsapp: MessageSender = async (outgoing) => {
  const { message, integration } = outgoing
  if (!integration || integration.provider !== 'whatsapp_cloud') {
    return {
      outcome: 'permanent',
      code: 'E_NO_INTEGRATION',
      reason:
        'WhatsApp messages are sent through an org’s WhatsApp integration, and this one has none.',
    }
  }
  const to = normalizedAddress('whatsapp', message.toPhone ?? '')
  if (to === '') {
    return {
      outcome: 'permanent',
      code: 'E_NO_ADDRESS',
      reason: 'The recipient has no mobile number to send a WhatsApp message to.',
    }
  }
  const config = integration.config as WhatsAppConfig
  const parameters = bodyParameters(config.body_parameters ?? [], outgoing)
  if ('missing' in parameters) {
    return {
      outcome: 'permanent',
      code: 'E_TEMPLATE_VARIABLE',
      reason: `The WhatsApp template’s body parameter ${parameters.position} is filled from “${parameters.missing}”, which has no value for this recipient.`,
    }
  }
  const base = (config.api_base_url ?? DEFAULT_GRAPH_API_BASE_URL).replace(/\/+$/, '')
  const header = await headerDocument(outgoing, config, base)
  if ('outcome' in header) return header
  const url = new URL(`${base}/${config.api_version}/${integration.whatsappPhoneNumberId}/messages`)
  const body = templateMessage(outgoing, to, config, parameters.values, header.document)
  // The upload's id is kept with whatever becomes of the message (#deliveries/services/send_worker).
  const withUpload = (outcome: SendOutcome): SendOutcome =>
    header.uploaded ? { ...outcome, uploaded: header.uploaded } : outcome

  let answer: JsonAnswer
  try {
    answer = await postJsonPinned(
      url,
      outgoing.addresses[0],
      { Authorization: `Bearer ${outgoing.secrets.access_token ?? ''}` },
      body,
      TIMEOUT_MS
    )
  } catch (error) {
    return withUpload(networkProblem(error as NodeJS.ErrnoException, url))
  }
  return withUpload(
    classifyGraphAnswer(answer, {
      to,
      config,
      phoneNumberId: integration.whatsappPhoneNumberId,
      idempotencyKey: message.idempotencyKey,
    })
  )
}

/** The template header's document: our signed link, or a media id (uploaded now or earlier). */
type HeaderDocument = {
  document: { link: string } | { id: string } | null
  uploaded?: UploadedMedia
}

async function headerDocument(
  outgoing: OutgoingMessage,
  config: WhatsAppConfig,
  base: string
): Promise<HeaderDocument | SendOutcome> {
  const first = outgoing.certificates[0]
  if (!first) return { document: null }
  if (outgoing.integration?.documentDelivery !== 'upload') {
    return { document: { link: first.downloadUrl } }
  }
  if (first.whatsappMediaId) return { document: { id: first.whatsappMediaId } }
  const uploaded = await uploadDocument(outgoing, first, config, base)
  if ('outcome' in uploaded) return uploaded
  return { document: { id: uploaded.mediaId }, uploaded }
}

/** WhatsApp's limit for a document (integrations.md). */
export const MAX_WHATSAPP_DOCUMENT_BYTES = 100 * 1024 * 1024

/**
 * Uploads a certificate's PDF to the integration's number
 * (`POST /<version>/<phone_number_id>/media`, multipart: `messaging_product`,
 * `type`, `file`) and answers its media id, or the refusal as an outcome:
 * 5xx and 429 pass, 190 pauses the integration, 131053 fails the message.
 */
async function uploadDocument(
  outgoing: OutgoingMessage,
  certificate: OutgoingCertificate,
  config: WhatsAppConfig,
  base: string
): Promise<UploadedMedia | SendOutcome> {
  const integration = outgoing.integration!
  if (!certificate.fileId || !certificate.storageKey) {
    return {
      outcome: 'permanent',
      code: 'E_NO_DOCUMENT',
      reason: `The certificate ${certificate.certificateNumber} has no PDF to upload to WhatsApp.`,
    }
  }
  const bytes = await readDocument({
    path: certificate.storageKey,
    baseFileId: certificate.baseFileId,
    organizationId: outgoing.message.organizationId,
  })
  if (bytes.byteLength > MAX_WHATSAPP_DOCUMENT_BYTES) {
    return {
      outcome: 'permanent',
      code: 'E_DOCUMENT_TOO_LARGE',
      reason: `The certificate PDF is ${Math.ceil(bytes.byteLength / 1024 / 1024)} MB; WhatsApp takes documents up to 100 MB.`,
    }
  }
  const phoneNumberId = integration.whatsappPhoneNumberId ?? ''
  const url = mediaUrl(base, config.api_version, phoneNumberId)
  let answer: JsonAnswer
  try {
    answer = await uploadPdf(url, {
      address: outgoing.addresses[0],
      accessToken: outgoing.secrets.access_token ?? '',
      bytes,
      filename: documentFilename(certificate.certificateNumber),
    })
  } catch (error) {
    return networkProblem(error as NodeJS.ErrnoException, url, 'The certificate PDF’s upload')
  }
  if (answer.status >= 200 && answer.status < 300) {
    const id = (answer.body as { id?: unknown } | null)?.id
    if (typeof id === 'string' && id !== '') {
      return { fileId: certificate.fileId, phoneNumberId, mediaId: id, uploadedAtMs: Date.now() }
    }
    return {
      outcome: 'transient',
      code: 'E_NO_MEDIA_ID',
      reason:
        'WhatsApp took the certificate PDF’s upload but gave no media id: it is tried again shortly.',
    }
  }
  return classifyGraphAnswer(answer, {
    to: normalizedAddress('whatsapp', outgoing.message.toPhone ?? ''),
    config,
    phoneNumberId,
    step: 'upload',
  })
}

/** A number's `/media` endpoint. */
export function mediaUrl(base: string, apiVersion: string, phoneNumberId: string) {
  return new URL(`${base}/${apiVersion}/${phoneNumberId}/media`)
}

/**
 * PDF bytes uploaded to a number's `/media` as Meta documents it (multipart:
 * `messaging_product`, `type`, `file`), over the pinned address; the answer
 * as it came (the caller classifies it). Network errors are thrown.
 */
export async function uploadPdf(
  url: URL,
  input: { address: string | undefined; accessToken: string; bytes: Uint8Array; filename: string }
): Promise<JsonAnswer> {
  const { bytes } = input
  const form = new FormData()
  form.append('messaging_product', 'whatsapp')
  form.append('type', 'application/pdf')
  form.append(
    'file',
    new Blob([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)], {
      type: 'application/pdf',
    }),
    input.filename
  )
  const encoded = new Response(form)
  const payload = Buffer.from(await encoded.arrayBuffer())
  return postPinned(
    url,
    input.address,
    {
      'Authorization': `Bearer ${input.accessToken}`,
      'Content-Type': encoded.headers.get('content-type')!,
    },
    payload,
    TIMEOUT_MS
  )
}

type WhatsAppConfig = {
  api_base_url?: string
  api_version: string
  template_name: string
  template_language: string
  body_parameters?: string[]
}

const TIMEOUT_MS = 15_000

/** How long to wait when WhatsApp limits the rate and says nothing of when to come back. */
const RATE_LIMIT_WAIT_MS = 60_000

/** The body parameters in order, or which variable had no value for this recipient. */
function bodyParameters(
  names: string[],
  outgoing: OutgoingMessage
): { values: string[] } | { missing: string; position: number } {
  const values: string[] = []
  for (const [index, name] of names.entries()) {
    const value =
      outgoing.variables[name] ??
      (name === 'recipient_page_url' ? outgoing.recipientPageUrl : undefined) ??
      (name === 'org_name' ? outgoing.orgName : undefined) ??
      (name === 'recipient_name' ? outgoing.recipientName : undefined)
    const text = value === undefined ? '' : templateText(value)
    if (text === '') return { missing: name, position: index + 1 }
    values.push(text)
  }
  return { values }
}

/**
 * WhatsApp refuses a template parameter with a new line, a tab or more than
 * four spaces in a row (error 132018): an imported value with any of them is
 * sent on one line.
 */
export function templateText(value: string) {
  return value
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
}

function templateMessage(
  outgoing: OutgoingMessage,
  to: string,
  config: WhatsAppConfig,
  values: string[],
  document: HeaderDocument['document']
) {
  const components: unknown[] = []
  const first = outgoing.certificates[0]
  if (first && document) {
    components.push({
      type: 'header',
      parameters: [
        {
          type: 'document',
          document: { ...document, filename: documentFilename(first.certificateNumber) },
        },
      ],
    })
  }
  if (values.length > 0) {
    components.push({ type: 'body', parameters: values.map((text) => ({ type: 'text', text })) })
  }
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    // Echoed in every status notification: how a notification finds its message even if the wamid was never stored.
    biz_opaque_callback_data: outgoing.message.id,
    template: {
      name: config.template_name,
      language: { code: config.template_language },
      components,
    },
  }
}

/** What the recipient's phone shows as the document's name. */
export function documentFilename(certificateNumber: string) {
  const safe = certificateNumber.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '')
  return `${safe || 'certificate'}.pdf`
}

type GraphError = {
  code?: number
  error_subcode?: number
  message?: string
  error_data?: { details?: string }
}

/** Graph error codes that are not about one message but about the account sending them. */
const ACCOUNT_CODES = new Set([190, 10, 131031, 131042, 131045, 368, 133010])
/** Graph error codes that pass: throughput, pair rate, Meta's own trouble. */
const TRANSIENT_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056])

/**
 * The Cloud API's answer as an outcome (#deliveries/services/message_senders):
 * accepted with the wamid, or the Graph error classified, with its code and
 * a reason an org's staff understand.
 */
export function classifyGraphAnswer(
  answer: JsonAnswer,
  context: {
    to: string
    config: WhatsAppConfig
    phoneNumberId: string | null
    /** The message's idempotency key: its id when WhatsApp took it without quoting a wamid. */
    idempotencyKey?: string
    /** `upload`: the answer of the PDF's upload to `/media`, not of the message. */
    step?: 'send' | 'upload'
  }
): SendOutcome {
  if (answer.status >= 200 && answer.status < 300) {
    const id = (answer.body as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id
    if (typeof id === 'string' && id !== '') return { outcome: 'accepted', providerMessageId: id }
    // Taken, even without a wamid to quote (sending again would send it twice): its status
    // notifications still find it by the message id sent as biz_opaque_callback_data.
    return {
      outcome: 'accepted',
      providerMessageId: `whatsapp_cloud:${context.idempotencyKey ?? 'unknown'}`,
    }
  }
  const error = (answer.body as { error?: GraphError } | null)?.error
  const code = typeof error?.code === 'number' ? error.code : undefined
  const retryAfterMs = retryAfter(answer.headers?.['retry-after'])
  if (code === undefined) {
    if (answer.status === 429) {
      return {
        outcome: 'transient',
        code: 'http_429',
        reason:
          'WhatsApp is limiting how fast this number may send (HTTP 429): it is tried again shortly.',
        retryAfterMs: retryAfterMs ?? RATE_LIMIT_WAIT_MS,
      }
    }
    if (answer.status >= 500 || answer.status === 0) {
      return {
        outcome: 'transient',
        code: `http_${answer.status}`,
        reason: `WhatsApp had a problem on its side (HTTP ${answer.status})${context.step === 'upload' ? ' taking the certificate PDF’s upload' : ''}: it is tried again shortly.`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      }
    }
    return {
      outcome: 'permanent',
      code: `http_${answer.status}`,
      reason: `WhatsApp refused the message with HTTP ${answer.status} and no error code.`,
    }
  }
  const reason = whatsappErrorReason(code, errorDetails(error), context)
  if (isAccountError(code, error, answer.status)) {
    return { outcome: 'account', code: String(code), reason }
  }
  if (TRANSIENT_CODES.has(code) || answer.status >= 500 || answer.status === 429) {
    const limited = code === 130429 || code === 131056 || code === 80007 || code === 4
    const wait = retryAfterMs ?? (limited ? RATE_LIMIT_WAIT_MS : undefined)
    return {
      outcome: 'transient',
      code: String(code),
      reason,
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    }
  }
  return { outcome: 'permanent', code: String(code), reason }
}

/** Error 100 with subcode 33 is Graph's "this object does not exist": the phone number id, on every message. */
function isAccountError(code: number, error: GraphError | undefined, status: number) {
  if (ACCOUNT_CODES.has(code)) return true
  if (code >= 200 && code <= 299) return true
  if (code === 100 && error?.error_subcode === 33) return true
  return status === 401
}

function errorDetails(error: GraphError | undefined) {
  return error?.error_data?.details ?? error?.message
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds (at most an hour). */
function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()) * 1000, MAX_WAIT_MS)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), MAX_WAIT_MS)
}

/** A provider asking for a longer wait is waited an hour at most (then asked again). */
const MAX_WAIT_MS = 3_600_000

/**
 * A WhatsApp error code (a Graph API answer's or a status notification's) as
 * a sentence: what happened and, where there is one, what to do. The same
 * wording as the test message's (#deliveries/services/test_message_senders).
 */
export function whatsappErrorReason(
  code: number,
  details: string | undefined,
  context: {
    to?: string
    config?: { template_name: string; template_language: string }
    phoneNumberId?: string | null
    step?: 'send' | 'upload'
  } = {}
): string {
  const template = context.config
    ? `“${context.config.template_name}” in language ${context.config.template_language}`
    : 'the template'
  const number = context.to ? `+${context.to}` : 'The recipient'
  const said = details ? ` WhatsApp said: “${details.slice(0, 300)}”` : ''
  switch (code) {
    case 190:
      return 'The access token was refused (Graph error 190): it is wrong or has expired. Paste a new access token; sending is paused until then.'
    case 10:
      return 'The access token may not send from this WhatsApp number (Graph error 10): give the system user the whatsapp_business_messaging permission.'
    case 100:
      return context.phoneNumberId && /does not exist|missing permissions/i.test(details ?? '')
        ? `WhatsApp does not know the phone number id ${context.phoneNumberId}, or the token may not send from it (Graph error 100).`
        : `WhatsApp refused a parameter of the message (Graph error 100).${said}`
    case 130429:
      return 'WhatsApp is limiting how fast this number may send (Graph error 130429): the message is tried again shortly.'
    case 131056:
      return `Too many messages went to ${number} in a short time (Graph error 131056): the message is tried again shortly.`
    case 131000:
    case 131016:
    case 1:
    case 2:
      return `WhatsApp had a problem on its side (Graph error ${code}): the message is tried again shortly.`
    case 4:
    case 80007:
      return `The WhatsApp account reached its API call limit (Graph error ${code}): the message is tried again later.`
    case 131026:
      return `${number} cannot receive WhatsApp messages (Graph error 131026): the number may not be on WhatsApp, or has not accepted WhatsApp’s terms.`
    case 131021:
      return 'The recipient’s number is the sending number itself (Graph error 131021).'
    case 131047:
      return 'More than 24 hours have passed since the recipient last wrote, so only an approved template may be sent (Graph error 131047).'
    case 131049:
      return `WhatsApp did not deliver the message to keep ${context.to ? number + '’s' : 'the recipient’s'} experience healthy (Graph error 131049): it limits how many business messages one person gets.`
    case 131051:
      return 'WhatsApp does not support this kind of message (Graph error 131051).'
    case 131052:
    case 131053:
      return context.step === 'upload'
        ? `WhatsApp refused the upload of the certificate PDF (Graph error ${code}), so the message was not sent.${said}`
        : `WhatsApp could not fetch or accept the certificate PDF (Graph error ${code}).${said}`
    case 131008:
    case 131009:
      return `WhatsApp found a required parameter missing or wrong (Graph error ${code}).${said}`
    case 132000:
      return `The template ${template} takes a different number of body parameters than are configured (Graph error 132000).`
    case 132001:
      return `The template ${template} does not exist or is not approved yet (Graph error 132001).`
    case 132005:
      return `The template ${template} became too long once filled in (Graph error 132005).`
    case 132007:
      return `The filled-in template ${template} breaks WhatsApp’s format rules (Graph error 132007).`
    case 132012:
      return `The template ${template} expects a different header or parameter format, e.g. a DOCUMENT header (Graph error 132012).`
    case 132015:
      return `The template ${template} is paused by WhatsApp for low quality (Graph error 132015).`
    case 132016:
      return `The template ${template} was disabled by WhatsApp (Graph error 132016).`
    case 132018:
      return `A parameter of the template ${template} has characters WhatsApp refuses (Graph error 132018).${said}`
    case 131031:
      return 'WhatsApp has locked this business account (Graph error 131031): see Meta Business Manager. Sending is paused.'
    case 131042:
      return 'WhatsApp refused to send because of a payment problem on the business account (Graph error 131042): add or fix the payment method in Meta Business Manager. Sending is paused.'
    case 131045:
    case 133010:
      return `The WhatsApp number is not registered with the Cloud API (Graph error ${code}). Sending is paused.`
    case 368:
      return 'WhatsApp has temporarily blocked this account for policy violations (Graph error 368): see Meta Business Manager. Sending is paused.'
    default:
      if (code >= 200 && code <= 299) {
        return `The access token lacks a permission WhatsApp needs (Graph error ${code}). Sending is paused.`
      }
      if (code >= 132000 && code < 133000) {
        return `WhatsApp refused the template ${template} (Graph error ${code}).${said}`
      }
      return `WhatsApp refused the message (Graph error ${code}).${said}`
  }
}

/** A connection that failed before WhatsApp answered: always worth another try. */
function networkProblem(error: NodeJS.ErrnoException, url: URL, what = 'The message'): SendOutcome {
  const code = error.code ?? 'E_NETWORK'
  if (code === 'ECONNREFUSED') {
    return {
      outcome: 'transient',
      code,
      reason: `Connection refused: nothing answers at ${url.origin}. It is tried again shortly; check the Graph API base URL if it goes on.`,
    }
  }
  if (code === 'ETIMEDOUT') {
    return {
      outcome: 'transient',
      code,
      reason: `No answer from ${url.origin} within ${TIMEOUT_MS / 1000} seconds: it is tried again shortly.`,
    }
  }
  return {
    outcome: 'transient',
    code,
    reason: `${what} could not reach ${url.origin} (${error.message}): it is tried again shortly.`,
  }
}
