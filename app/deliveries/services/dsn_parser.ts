import { simpleParser, type ParsedMail } from 'mailparser'

/**
 * Reads what came to the bounce mailbox: a delivery status notification
 * (RFC 3464: `multipart/report; report-type=delivery-status`, its
 * `message/delivery-status` part giving each recipient's Action, Status and
 * Diagnostic-Code), or one of the common bounces that are not (old Exim,
 * qmail, some appliances: a plain text saying the mail failed, with the
 * remote server's reply in it). Anything else (an out-of-office or other
 * auto-reply, which RFC 3834 also sends to the envelope sender, a person
 * writing back) is not a bounce.
 */
export interface BounceReport {
  /**
   * `failed`: a permanent failure (5.x.x); `delayed`: a temporary one (4.x.x,
   * or Action: delayed); `not_a_bounce`: anything else (success reports too).
   */
  kind: 'failed' | 'delayed' | 'not_a_bounce'
  /** The enhanced status code, `5.1.1`. */
  status: string | null
  /** The DSN's Action (`failed`, `delayed`), or null for a non-standard bounce. */
  action: string | null
  /** The remote server's reply, as reported (`550 5.1.1 <a@b>: Recipient address rejected: …`). */
  diagnosticCode: string | null
  finalRecipient: string | null
  /** Message-ID of the report itself. */
  reportMessageId: string | null
  /** Message-ID of the mail that bounced, from the returned headers. */
  originalMessageId: string | null
  subject: string
  /** Whether it was an RFC 3464 report (else read from its text). */
  standard: boolean
}

const STATUS = /^([245])\.(\d{1,3})\.(\d{1,3})$/
/** An enhanced status code in running text (`550 5.1.1`, `(#5.1.1)`, `said: 5.2.2`). */
const STATUS_IN_TEXT = /(?:^|[\s(#[;:-])([45])\.(\d{1,3})\.(\d{1,3})(?=$|[\s)\],;:]|\.(?!\d))/m
/** A basic reply code where a server's reply is quoted. */
const REPLY_IN_TEXT =
  /(?:said|error|reply|response|refused|rejected|failed|host [^\n]*?said)[^\n]*?\b([45]\d\d)[ -]/i
const BOUNCE_SENDER = /^(mailer-daemon|postmaster|mail-?daemon|mailerdaemon)$/i
const BOUNCE_SUBJECT =
  /undeliver|undelivered mail|returned mail|delivery (status notification|failure|has failed|failed|problem)|mail delivery (failed|failure|system|subsystem)|failure notice|could not be delivered|non-?delivery|delivery notification/i
/** Where a non-standard bounce starts quoting the original mail: the rest is not the report. */
const QUOTED_ORIGINAL =
  /^[-\s]*(this is a copy of the message|original message|below this line is a copy|--- ?below this line|the original message was received|-+ ?original message ?-+|content-type: message\/rfc822)/im

interface MimePart {
  headers: Map<string, string>
  body: string
}

/** Header name → unfolded value (the first of each), body after the first empty line; text as bytes (latin1). */
function splitPart(text: string): MimePart {
  const end = /\r?\n\r?\n/.exec(text)
  const head = end ? text.slice(0, end.index) : text
  const body = end ? text.slice(end.index + end[0].length) : ''
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim())
  }
  return { headers, body }
}

function contentTypeOf(part: MimePart) {
  const value = part.headers.get('content-type') ?? 'text/plain'
  const type = value.split(';')[0].trim().toLowerCase()
  const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(value)
  return { type, boundary: boundary ? (boundary[1] ?? boundary[2]) : null }
}

function decodedBody(part: MimePart) {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase()
  if (encoding === 'base64') return Buffer.from(part.body, 'base64').toString('utf8')
  if (encoding === 'quoted-printable') {
    const bytes = part.body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16))
      )
    return Buffer.from(bytes, 'latin1').toString('utf8')
  }
  return Buffer.from(part.body, 'latin1').toString('utf8')
}

/** Every leaf part of a MIME tree, depth first (nested multiparts and reports too, a few levels deep). */
function leavesOf(part: MimePart, depth = 0): MimePart[] {
  const { type, boundary } = contentTypeOf(part)
  if (!type.startsWith('multipart/') || !boundary || depth > 4) return [part]
  const delimiter = `--${boundary}`
  const pieces = part.body.split(new RegExp(`(?:^|\\r?\\n)${escapeRegExp(delimiter)}`))
  const leaves: MimePart[] = []
  // The first piece is the preamble; a piece starting with `--` follows the closing delimiter.
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith('--')) break
    leaves.push(...leavesOf(splitPart(piece.replace(/^[ \t]*\r?\n/, '')), depth + 1))
  }
  return leaves
}

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A delivery-status body's field groups: the per-message one, then one per recipient. */
function statusGroups(text: string) {
  return text
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n\s*\r?\n/)
    .map((group) => {
      const fields = new Map<string, string>()
      for (const line of group.split(/\r?\n/)) {
        const colon = line.indexOf(':')
        if (colon <= 0) continue
        fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
      }
      return fields
    })
    .filter((fields) => fields.size > 0)
}

/** `rfc822; a@b` → `a@b`; `smtp; 550 …` → `550 …`. */
const withoutType = (value: string | undefined) =>
  value === undefined ? null : value.replace(/^[A-Za-z0-9-]+\s*;\s*/, '').trim() || null

function kindOf(status: string | null, action: string | null): BounceReport['kind'] {
  const verb = action?.toLowerCase() ?? null
  if (verb === 'delivered' || verb === 'relayed' || verb === 'expanded') return 'not_a_bounce'
  if (verb === 'delayed') return 'delayed'
  if (status?.startsWith('5')) return 'failed'
  if (status?.startsWith('4')) return 'delayed'
  // `Action: failed` without a usable status: the report says it failed for good.
  return verb === 'failed' ? 'failed' : 'not_a_bounce'
}

function messageIdIn(text: string | undefined) {
  if (!text) return null
  return /^message-id:\s*(<[^>\r\n]+>)/im.exec(text.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? null
}

/** The RFC 3464 report in a `multipart/report`, when there is one with a recipient's status. */
function standardReport(raw: string) {
  const top = splitPart(raw)
  const leaves = leavesOf(top)
  const statusPart = leaves.find((leaf) =>
    ['message/delivery-status', 'message/global-delivery-status'].includes(contentTypeOf(leaf).type)
  )
  if (!statusPart) return null
  const groups = statusGroups(decodedBody(statusPart)).slice(1)
  const recipients = groups.filter((fields) => fields.has('action') || fields.has('status'))
  if (recipients.length === 0) return null
  // One recipient per mail of ours; if a report lists several, the worst counts.
  const rank = (fields: Map<string, string>) => {
    const kind = kindOf(normalizedStatus(fields.get('status')), fields.get('action') ?? null)
    return kind === 'failed' ? 0 : kind === 'delayed' ? 1 : 2
  }
  const chosen = [...recipients].sort((a, b) => rank(a) - rank(b))[0]
  const returned = leaves.find((leaf) =>
    ['text/rfc822-headers', 'message/rfc822', 'message/global', 'message/global-headers'].includes(
      contentTypeOf(leaf).type
    )
  )
  const status = normalizedStatus(chosen.get('status'))
  const action = chosen.get('action')?.toLowerCase() ?? null
  return {
    kind: kindOf(status, action),
    status,
    action,
    diagnosticCode: withoutType(chosen.get('diagnostic-code'))?.slice(0, 500) ?? null,
    finalRecipient: withoutType(chosen.get('final-recipient') ?? chosen.get('original-recipient')),
    originalMessageId: messageIdIn(returned && decodedBody(returned)),
  }
}

function normalizedStatus(value: string | undefined) {
  const match = value ? STATUS.exec(value.trim().split(/\s/)[0]) : null
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null
}

/**
 * A non-standard bounce: sent by a mailer daemon or titled as a failed
 * delivery, with a status or reply code (or "permanent" / "temporary") in the
 * part before the quoted original. An auto-reply names none of that.
 */
function textReport(parsed: ParsedMail) {
  const sender = parsed.from?.value[0]?.address ?? ''
  const localPart = sender.split('@')[0] ?? ''
  const subject = parsed.subject ?? ''
  if (!BOUNCE_SENDER.test(localPart) && !BOUNCE_SUBJECT.test(subject)) return null
  const full = parsed.text ?? ''
  const quoted = QUOTED_ORIGINAL.exec(full)
  const text = quoted ? full.slice(0, quoted.index) : full
  const enhanced = STATUS_IN_TEXT.exec(text)
  const reply = REPLY_IN_TEXT.exec(text)
  let status: string | null = null
  let at = -1
  if (enhanced) {
    status = `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`
    at = enhanced.index
  } else if (reply) {
    status = `${reply[1][0]}.0.0`
    at = reply.index
  } else if (/permanent(ly)? (error|failure|fatal)|permanently|fatal error/i.test(text)) {
    status = '5.0.0'
  } else if (
    /temporar(y|ily)|delayed|will (be retried|keep trying)|still trying|not yet been delivered/i.test(
      text
    )
  ) {
    status = '4.0.0'
  }
  if (!status) return null
  const line = at >= 0 ? lineAround(text, at) : null
  const recipient = /<?([^\s<>"'():;,]+@[^\s<>"'():;,]+\.[A-Za-z]{2,})>?/.exec(text)?.[1] ?? null
  return {
    kind: kindOf(status, null),
    status,
    action: null,
    diagnosticCode: line,
    finalRecipient: recipient,
    originalMessageId: messageIdIn(quoted ? full.slice(quoted.index) : undefined),
  }
}

/** The sentence a code stands in, with the line before it when the reply was wrapped there. */
function lineAround(text: string, index: number) {
  const start = text.lastIndexOf('\n', index) + 1
  const endOfLine = text.indexOf('\n', index)
  let line = text.slice(start, endOfLine < 0 ? undefined : endOfLine)
  // A reply wrapped onto indented lines (Postfix, Exim) continues on them.
  const rest = endOfLine < 0 ? '' : text.slice(endOfLine + 1)
  const continued = /^((?:[ \t]+\S[^\n]*\n?)*)/.exec(rest)?.[1] ?? ''
  line = `${line} ${continued}`.replace(/\s+/g, ' ').trim()
  return line.slice(0, 500) || null
}

export async function parseBounce(raw: Buffer): Promise<BounceReport> {
  const parsed = await simpleParser(raw, {
    skipHtmlToText: false,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
  })
  const base = {
    reportMessageId: parsed.messageId ?? null,
    subject: parsed.subject ?? '',
  }
  const standard = standardReport(raw.toString('latin1'))
  if (standard) return { ...base, ...standard, standard: true }
  const text = textReport(parsed)
  if (text) return { ...base, ...text, standard: false }
  return {
    ...base,
    kind: 'not_a_bounce',
    status: null,
    action: null,
    diagnosticCode: null,
    finalRecipient: null,
    originalMessageId: null,
    standard: false,
  }
}
