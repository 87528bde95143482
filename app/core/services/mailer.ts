import { mkdir, writeFile } from 'node:fs/promises'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import mail from '@adonisjs/mail/services/main'
import type { Message } from '@adonisjs/mail'
import env from '#start/env'

export interface OutgoingMail {
  to: string
  subject: string
  /** Edge view names; mails always have an HTML and a plain-text part. */
  html: string
  text: string
  data: Record<string, unknown>
  /** Files sent with it (an invoice's PDF). */
  attachments?: { filename: string; content: Uint8Array; contentType: string }[]
}

/**
 * Sends one mail now (awaited, so callers and tests know it left). Call it
 * after the transaction that produced it has committed. Without SMTP
 * configured, the message is written to tmp/mail/ and only its path is
 * logged, so links with tokens never reach the logs.
 */
export async function sendMail(outgoing: OutgoingMail) {
  const response = await mail.send((message: Message) => {
    message
      .to(outgoing.to)
      .subject(outgoing.subject)
      .htmlView(outgoing.html, outgoing.data)
      .textView(outgoing.text, outgoing.data)
    for (const attachment of outgoing.attachments ?? []) {
      message.attachData(Buffer.from(attachment.content), {
        filename: attachment.filename,
        contentType: attachment.contentType,
      })
    }
  })
  if (!env.get('SMTP_HOST')) {
    const folder = app.tmpPath('mail')
    await mkdir(folder, { recursive: true })
    const file = `${folder}/${Date.now()}-${outgoing.to.replace(/[^a-z0-9@._-]/gi, '_')}.json`
    await writeFile(file, String((response.original as any)?.message ?? JSON.stringify(response)))
    logger.info(
      { to: outgoing.to, subject: outgoing.subject, file },
      'mail written to file (no SMTP_HOST configured)'
    )
  }
  return response
}
