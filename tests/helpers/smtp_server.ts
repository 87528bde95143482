import { SMTPServer } from 'smtp-server'
import { simpleParser } from 'mailparser'

export interface ReceivedMail {
  from: string
  to: string[]
  subject: string
  text: string
  html: string
  raw: string
}

const inbox: ReceivedMail[] = []
const waiters: Array<() => void> = []

/** A real SMTP server on a random port; the app sends mail to it over TCP. */
export async function startTestSmtpServer() {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk) => chunks.push(chunk))
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const parsed = await simpleParser(raw)
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          raw,
        })
        waiters.splice(0).forEach((wake) => wake())
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

export const mailbox = {
  all: () => [...inbox],
  clear: () => void inbox.splice(0),
  /** Waits (up to `timeoutMs`) for a mail to `to` whose subject matches. */
  async waitFor(to: string, subject: RegExp = /.*/, timeoutMs = 5000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const found = [...inbox]
        .reverse()
        .find((m) => m.to.includes(to.toLowerCase()) && subject.test(m.subject))
      if (found) return found
      if (Date.now() > deadline) {
        throw new Error(
          `No mail to ${to} matching ${subject} (inbox: ${inbox.map((m) => `${m.to} "${m.subject}"`).join(', ') || 'empty'})`
        )
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 100)
      })
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
