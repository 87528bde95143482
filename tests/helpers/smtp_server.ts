import { startSmtpStandIn, type SmtpStandIn } from '../../stand_ins/smtp.js'

export interface ReceivedMail {
  from: string
  to: string[]
  subject: string
  text: string
  html: string
  /** Lower-cased names (from, subject, list-unsubscribe, x-*, …), as the stand-in keeps them. */
  headers: Record<string, string>
  attachments: { filename: string | null; contentType: string; sha256: string; size: number }[]
}

let standIn: SmtpStandIn | undefined

/** The suite's mails, recipients lower-cased as the identity tests compare them. */
function inbox(): ReceivedMail[] {
  return (standIn?.messages() ?? []).map((mail) => ({
    from: mail.envelope.from,
    to: mail.envelope.to.map((address) => address.toLowerCase()),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    attachments: mail.attachments.map((attachment) => ({
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      sha256: attachment.sha256,
      size: attachment.size,
    })),
  }))
}

/** A real SMTP server (the SMTP stand-in) on a random port; the app sends mail to it over TCP. */
export async function startTestSmtpServer() {
  standIn = await startSmtpStandIn()
  return { port: standIn.port, close: () => standIn!.close() }
}

export const mailbox = {
  all: inbox,
  clear: () => standIn?.reset(),
  /** Waits (up to `timeoutMs`) for a mail to `to` whose subject matches. */
  async waitFor(to: string, subject: RegExp = /.*/, timeoutMs = 5000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const mails = inbox()
      const found = [...mails]
        .reverse()
        .find((m) => m.to.includes(to.toLowerCase()) && subject.test(m.subject))
      if (found) return found
      if (Date.now() > deadline) {
        throw new Error(
          `No mail to ${to} matching ${subject} (inbox: ${mails.map((m) => `${m.to} "${m.subject}"`).join(', ') || 'empty'})`
        )
      }
      await new Promise<void>((resolve) => setTimeout(resolve, 50))
    }
  },
  /** First absolute http(s) link in the text part that contains `fragment`. */
  linkIn(mail: ReceivedMail, fragment: string) {
    const links = mail.text.match(/https?:\/\/[^\s<>"')]+/g) ?? []
    const link = links.find((l) => l.includes(fragment))
    if (!link) throw new Error(`No link containing "${fragment}" in mail "${mail.subject}"`)
    return link
  },
}
