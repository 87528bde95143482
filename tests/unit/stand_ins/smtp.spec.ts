import { test } from '@japa/runner'
import { createHash, randomBytes } from 'node:crypto'
import nodemailer from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { sendRaw, startSmtpStandIn, type SmtpStandInOptions } from '../../../stand_ins/smtp.js'

/** A stand-in closed when the test ends. */
async function standIn(cleanup: (fn: () => Promise<void>) => void, options?: SmtpStandInOptions) {
  const server = await startSmtpStandIn(options)
  cleanup(() => server.close())
  return server
}

/** A nodemailer transport as the app's smtp mailer builds it (no TLS). */
function mailer(server: { host: string; port: number }, auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: false,
    ignoreTLS: true,
    ...(auth ? { auth: { type: 'login', ...auth } } : {}),
  } as SMTPTransport.Options)
}

/** Sends and returns the SMTP error it was refused with. */
async function refusedWith(send: Promise<unknown>) {
  try {
    await send
  } catch (error) {
    return error as Error & { responseCode?: number; response?: string }
  }
  throw new Error('The stand-in accepted a mail it should have refused')
}

async function certificatePdf() {
  const pdf = await PDFDocument.create()
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  pdf.addPage([842, 595]).drawText('Certificate of Completion: Ananya Rao', { x: 60, y: 500, font })
  return Buffer.from(await pdf.save())
}

/** The inbox's JSON answer at `path`. */
async function json(inboxUrl: string | undefined, path: string): Promise<any> {
  const response = await fetch(`${inboxUrl}${path}`)
  return response.json()
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

const plainMail = (to: string | string[]) => ({
  from: 'certificates@authentix.test',
  to,
  subject: 'Your certificate',
  text: 'Attached.',
})

test.group('SMTP stand-in', () => {
  test('a mail with a PDF arrives parsed: headers, bodies, and the SHA-256 of the PDF', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup)
    const pdf = await certificatePdf()
    await mailer(server).sendMail({
      from: '"Saraswati Institute" <certificates@authentix.test>',
      to: 'Ananya.Rao@example.in',
      replyTo: 'registrar@saraswati.example.in',
      subject: 'Your certificate — प्रमाणपत्र',
      messageId: '<cert-42@authentix.test>',
      text: 'Your certificate is attached.',
      html: '<p>Your certificate is attached.</p>',
      headers: {
        'List-Unsubscribe': '<https://authentix.test/unsubscribe/abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Authentix-Delivery': 'delivery-7',
      },
      attachments: [{ filename: 'certificate.pdf', content: pdf, contentType: 'application/pdf' }],
    })

    const [mail] = await server.waitFor(1, 5000)
    assert.deepEqual(mail.envelope, {
      from: 'certificates@authentix.test',
      to: ['Ananya.Rao@example.in'],
    })
    assert.equal(mail.subject, 'Your certificate — प्रमाणपत्र')
    assert.include(mail.headers, {
      'from': '"Saraswati Institute" <certificates@authentix.test>',
      'to': 'Ananya.Rao@example.in',
      'reply-to': 'registrar@saraswati.example.in',
      'subject': 'Your certificate — प्रमाणपत्र',
      'message-id': '<cert-42@authentix.test>',
      'list-unsubscribe': '<https://authentix.test/unsubscribe/abc>',
      'list-unsubscribe-post': 'List-Unsubscribe=One-Click',
      'x-authentix-delivery': 'delivery-7',
    })
    assert.equal(mail.text.trim(), 'Your certificate is attached.')
    assert.equal(mail.html.trim(), '<p>Your certificate is attached.</p>')
    assert.lengthOf(mail.attachments, 1)
    const [attachment] = mail.attachments
    assert.include(attachment, {
      filename: 'certificate.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
      sha256: sha256(pdf),
    })
    assert.isTrue(attachment.content!.equals(pdf))
    assert.isAbove(mail.rawSize, pdf.length, 'the raw message holds the PDF base64-encoded')
    assert.deepEqual(
      server.messagesTo('ananya.rao@EXAMPLE.in').map((m) => m.id),
      [mail.id]
    )
  })

  test('with a login required, a wrong password gets 535 5.7.8 and the right one is accepted', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, { auth: { user: 'authentix', pass: 's3cret' } })

    const wrong = await refusedWith(
      mailer(server, { user: 'authentix', pass: 'guess' }).sendMail(plainMail('a@example.in'))
    )
    assert.equal(wrong.responseCode, 535)
    assert.match(wrong.response!, /^535 5\.7\.8 Authentication credentials invalid/)

    const anonymous = await refusedWith(mailer(server).sendMail(plainMail('a@example.in')))
    assert.equal(anonymous.responseCode, 530, 'no login at all is refused too')

    await mailer(server, { user: 'authentix', pass: 's3cret' }).sendMail(plainMail('b@example.in'))
    assert.deepEqual(
      server.messages().map((mail) => mail.envelope.to),
      [['b@example.in']]
    )
    assert.deepEqual(
      server.refusals().map((r) => [r.stage, r.code]),
      [['auth', 535]]
    )
  })

  test('a rejected recipient gets the hard bounce 550 5.1.1 and no mail is kept for it', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, { rejectRecipients: ['Gone@Example.in'] })

    const bounce = await refusedWith(mailer(server).sendMail(plainMail('gone@example.in')))
    assert.equal(bounce.responseCode, 550)
    assert.include(
      bounce.response!,
      '550 5.1.1 <gone@example.in>: Recipient address rejected: User unknown'
    )
    assert.lengthOf(server.messages(), 0)

    const info = await mailer(server).sendMail(plainMail(['gone@example.in', 'here@example.in']))
    assert.deepEqual(info.rejected, ['gone@example.in'])
    assert.deepEqual(
      server.messages().map((mail) => mail.envelope.to),
      [['here@example.in']],
      'the accepted recipient gets the mail, the rejected one does not'
    )
    assert.deepEqual(
      server.refusals().map((r) => [r.stage, r.code, r.address]),
      [
        ['rcpt', 550, 'gone@example.in'],
        ['rcpt', 550, 'gone@example.in'],
      ]
    )
  })

  test('a recipient matched by tempFailRecipients gets the transient 451 4.3.0', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, {
      tempFailRecipients: (address) => address.endsWith('@busy.example.in'),
    })
    const failure = await refusedWith(mailer(server).sendMail(plainMail('x@busy.example.in')))
    assert.equal(failure.responseCode, 451)
    assert.match(failure.response!, /^451 4\.3\.0 <x@busy\.example\.in>: /)
    assert.lengthOf(server.messages(), 0)

    server.configure({ tempFailRecipients: [] })
    await mailer(server).sendMail(plainMail('x@busy.example.in'))
    assert.lengthOf(server.messages(), 1, 'the retry passes once the failure is lifted')
  })

  test('the next n connections are greeted with 421 4.7.0, the one after is served', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, { failNextConnections: 2 })
    for (const attempt of [1, 2]) {
      const refused = await refusedWith(mailer(server).sendMail(plainMail('a@example.in')))
      assert.equal(refused.response, '421 4.7.0 Try again later', `attempt ${attempt}`)
    }
    await mailer(server).sendMail(plainMail('a@example.in'))
    assert.lengthOf(server.messages(), 1)

    server.configure({ failNextConnections: 1 })
    await refusedWith(mailer(server).sendMail(plainMail('a@example.in')))
    assert.deepEqual(
      server.refusals().map((r) => [r.stage, r.code]),
      [
        ['connect', 421],
        ['connect', 421],
        ['connect', 421],
      ]
    )
  })

  test('a message over maxMessageBytes gets 552 and is not kept', async ({ assert, cleanup }) => {
    const server = await standIn(cleanup, { maxMessageBytes: 20_000 })
    const tooLarge = await refusedWith(
      mailer(server).sendMail({
        ...plainMail('a@example.in'),
        attachments: [{ filename: 'big.pdf', content: randomBytes(30_000) }],
      })
    )
    assert.equal(tooLarge.responseCode, 552)
    assert.lengthOf(server.messages(), 0)
    await mailer(server).sendMail(plainMail('a@example.in'))
    assert.lengthOf(server.messages(), 1, 'a small one still passes')
  })

  test('the HTTP inbox lists mails, serves one with its attachments, the bytes, and clears', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, { httpPort: 0 })
    const pdf = await certificatePdf()
    await mailer(server).sendMail({
      ...plainMail('ananya@example.in'),
      html: '<p>Attached.</p>',
      attachments: [{ filename: 'certificate.pdf', content: pdf }],
    })
    await mailer(server).sendMail(plainMail('vikram@example.in'))

    const list = await json(server.inboxUrl, '/messages')
    assert.deepEqual(
      list.map((mail: any) => mail.envelope.to),
      [['ananya@example.in'], ['vikram@example.in']],
      'oldest first'
    )
    assert.notProperty(list[0], 'text')
    assert.notProperty(list[0], 'html')
    assert.notProperty(list[0].attachments[0], 'content')
    const filtered = await json(server.inboxUrl, '/messages?to=VIKRAM@example.in')
    assert.deepEqual(
      filtered.map((mail: any) => mail.id),
      [list[1].id]
    )

    const one = await json(server.inboxUrl, `/messages/${list[0].id}`)
    assert.equal(one.html.trim(), '<p>Attached.</p>')
    assert.include(one.attachments[0], {
      filename: 'certificate.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
      sha256: sha256(pdf),
      contentKept: true,
    })
    const download = await fetch(`${server.inboxUrl}${one.attachments[0].path}`)
    assert.equal(download.headers.get('content-type'), 'application/pdf')
    assert.isTrue(Buffer.from(await download.arrayBuffer()).equals(pdf))

    const pageResponse = await fetch(`${server.inboxUrl}/`)
    const page = await pageResponse.text()
    assert.include(page, '2 mails received')
    assert.include(page, 'certificate.pdf')

    const missing = await fetch(`${server.inboxUrl}/messages/999`)
    assert.equal(missing.status, 404)
    const cleared = await fetch(`${server.inboxUrl}/messages`, { method: 'DELETE' })
    assert.equal(cleared.status, 204)
    assert.deepEqual(await json(server.inboxUrl, '/messages'), [])
  })

  test('reset forgets what arrived, and waitFor counts from there', async ({ assert, cleanup }) => {
    const server = await standIn(cleanup)
    await mailer(server).sendMail(plainMail('first@example.in'))
    server.reset()
    assert.lengthOf(server.messages(), 0)
    await assert.rejects(() => server.waitFor(1, 50), /0 arrived/)

    await mailer(server).sendMail(plainMail('second@example.in'))
    const [mail] = await server.waitFor(1, 5000)
    assert.deepEqual(mail.envelope.to, ['second@example.in'])
    assert.notEqual(mail.id, '1', 'ids are not reused after a reset')
  })

  test('memory stays bounded: the oldest mails, then the oldest attachment bytes, are let go', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, {
      httpPort: 0,
      maxMessages: 2,
      maxAttachmentBytes: 1500,
    })
    const files = [randomBytes(1000), randomBytes(1000), randomBytes(1000)]
    for (const [i, content] of files.entries()) {
      await mailer(server).sendMail({
        ...plainMail(`r${i}@example.in`),
        attachments: [{ filename: `c${i}.pdf`, content }],
      })
    }
    const mails = server.messages()
    assert.deepEqual(
      mails.map((mail) => mail.envelope.to[0]),
      ['r1@example.in', 'r2@example.in']
    )
    assert.isNull(mails[0].attachments[0].content, 'the older bytes are dropped')
    assert.equal(mails[0].attachments[0].sha256, sha256(files[1]), 'its digest is kept')
    assert.isTrue(mails[1].attachments[0].content!.equals(files[2]))
    const dropped = await fetch(`${server.inboxUrl}/messages/${mails[0].id}/attachments/0`)
    assert.equal(dropped.status, 410)
    await assert.rejects(() => server.waitFor(3, 1000), /keeps at most 2/)
  })

  test('a bounceRecipients address is accepted, then an RFC 3464 report goes from <> to the envelope sender at dsnRelay', async ({
    assert,
    cleanup,
  }) => {
    const relay = await standIn(cleanup)
    const server = await standIn(cleanup, {
      bounceRecipients: ['ghost@campus.example'],
      deferRecipients: ['slow@campus.example'],
      dsnRelay: { host: relay.host, port: relay.port },
    })
    const sent = await mailer(server).sendMail({
      from: 'Acme Academy <certificates@acme.example>',
      to: 'ghost@campus.example',
      subject: 'Your certificate',
      text: 'Attached.',
      envelope: { from: 'bounces+7@acme.example', to: ['ghost@campus.example'] },
    })
    assert.match(sent.response, /^250/)
    const [report] = await server.waitForReports(1, 5000)
    assert.deepEqual(report.result, { accepted: true })
    assert.equal(report.to, 'bounces+7@acme.example')
    assert.equal(report.status, '5.1.1')
    const [arrived] = await relay.waitFor(1, 5000)
    assert.deepEqual(arrived.envelope, { from: '', to: ['bounces+7@acme.example'] })
    assert.equal(arrived.subject, 'Undelivered Mail Returned to Sender')
    assert.match(report.raw, /^Content-Type: multipart\/report; report-type=delivery-status;/m)
    assert.match(report.raw, /^Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; /m)
    assert.include(report.raw, 'Final-Recipient: rfc822; ghost@campus.example\r\n')
    assert.include(report.raw, 'Action: failed\r\nStatus: 5.1.1\r\n')
    // The original's headers are attached, its body is not.
    assert.match(
      report.raw,
      /Content-Type: text\/rfc822-headers\r\n\r\n[^]*Subject: Your certificate/
    )
    assert.notInclude(report.raw, 'Attached.')

    await mailer(server).sendMail({
      from: 'certificates@acme.example',
      to: 'slow@campus.example',
      subject: 'Another',
      text: 'x',
    })
    const reports = await server.waitForReports(2, 5000)
    assert.equal(reports[1].action, 'delayed')
    assert.include(reports[1].raw, 'Action: delayed\r\nStatus: 4.2.2\r\n')
  })

  test('a mail from the empty sender (itself a report) is never bounced; without dsnRelay the report is logged as unsent', async ({
    assert,
    cleanup,
  }) => {
    const server = await standIn(cleanup, { bounceRecipients: ['ghost@campus.example'] })
    const raw = 'From: MAILER-DAEMON@elsewhere.example\r\nSubject: Undelivered\r\n\r\nA report.\r\n'
    await sendRaw(server, '', ['ghost@campus.example'], raw)
    await mailer(server).sendMail({
      from: 'certificates@acme.example',
      to: 'ghost@campus.example',
      text: 'y',
    })
    await server.waitForReports(1, 5000)
    assert.lengthOf(server.messages(), 2)
    const reports = server.reports()
    assert.lengthOf(reports, 1)
    assert.equal(reports[0].to, 'certificates@acme.example')
    assert.deepEqual(reports[0].result, {
      accepted: false,
      error: 'no dsnRelay configured: nowhere to send the report',
    })
  })
})
