import { readFile } from 'node:fs/promises'
import { test } from '@japa/runner'
import { parseBounce } from '#deliveries/services/dsn_parser'

/** A mail as it arrives over SMTP: the fixture with CRLF line ends. */
async function fixture(name: string) {
  const text = await readFile(
    new URL(`../../fixtures/bounces/${name}.eml`, import.meta.url),
    'utf8'
  )
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8')
}

test.group('Bounce reports (DSN parser)', () => {
  test('Postfix: an RFC 3464 report of an unknown user is a permanent failure with its code and reply', async ({
    assert,
  }) => {
    const report = await parseBounce(await fixture('postfix_user_unknown'))
    assert.equal(report.kind, 'failed')
    assert.isTrue(report.standard)
    assert.equal(report.status, '5.1.1')
    assert.equal(report.action, 'failed')
    assert.equal(report.finalRecipient, 'nobody@example.net')
    assert.equal(
      report.diagnosticCode,
      '550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table'
    )
    assert.equal(report.reportMessageId, '<4dG7Xq1FvZz9t2K@mx1.example.net>')
    assert.equal(report.originalMessageId, '<5f0e3c2a9b8d4e7f8a1b2c3d4e5f6a7b@acme.example>')
  })

  test('Gmail: the report nested beside related/alternative parts, with a multi-line reply, is found', async ({
    assert,
  }) => {
    const report = await parseBounce(await fixture('gmail_no_such_user'))
    assert.equal(report.kind, 'failed')
    assert.isTrue(report.standard)
    assert.equal(report.status, '5.1.1')
    assert.equal(report.finalRecipient, 'no.such.person.4417@gmail.com')
    assert.match(
      report.diagnosticCode!,
      /^550-5\.1\.1 The email account that you tried to reach does not exist/
    )
    assert.equal(report.originalMessageId, '<5f0e3c2a9b8d4e7f8a1b2c3d4e5f6a7b@acme.example>')
  })

  test('Exim’s plain-text bounce (no report part): status and reply are read from the text, not from the quoted copy', async ({
    assert,
  }) => {
    const report = await parseBounce(await fixture('exim_plain_text'))
    assert.equal(report.kind, 'failed')
    assert.isFalse(report.standard)
    assert.equal(report.status, '5.2.1')
    assert.equal(
      report.diagnosticCode,
      '550 5.2.1 The email account that you tried to reach is disabled'
    )
    assert.equal(report.finalRecipient, 'ghost@campus.example.org')
    assert.equal(report.originalMessageId, '<5f0e3c2a9b8d4e7f8a1b2c3d4e5f6a7b@acme.example>')
  })

  test('qmail’s failure notice: the code in “(#5.1.1)” is a permanent failure', async ({
    assert,
  }) => {
    const report = await parseBounce(await fixture('qmail_failure_notice'))
    assert.equal(report.kind, 'failed')
    assert.equal(report.status, '5.1.1')
    assert.equal(report.diagnosticCode, 'Sorry, no mailbox here by that name. (#5.1.1)')
  })

  test('Exim’s delay warning (Action: delayed, 4.x.x) is a temporary failure, not a bounce for good', async ({
    assert,
  }) => {
    const report = await parseBounce(await fixture('exim_delay_warning'))
    assert.equal(report.kind, 'delayed')
    assert.equal(report.status, '4.0.0')
    assert.equal(report.action, 'delayed')
    assert.equal(report.diagnosticCode, '452 4.2.2 Mailbox full')
  })

  test('an out-of-office reply is not a bounce, though it is auto-submitted and mentions 5.1.1 and 550', async ({
    assert,
  }) => {
    const report = await parseBounce(await fixture('out_of_office'))
    assert.equal(report.kind, 'not_a_bounce')
    assert.isNull(report.status)
  })

  test('a vacation reply from a null sender is not a bounce either', async ({ assert }) => {
    const report = await parseBounce(await fixture('vacation_null_sender'))
    assert.equal(report.kind, 'not_a_bounce')
  })

  test('a report of a successful delivery (Action: delivered, 2.0.0) is not a bounce', async ({
    assert,
  }) => {
    const original = await fixture('postfix_user_unknown')
    const raw = original
      .toString('utf8')
      .replace('Action: failed', 'Action: delivered')
      .replace('Status: 5.1.1', 'Status: 2.0.0')
    const report = await parseBounce(Buffer.from(raw))
    assert.equal(report.kind, 'not_a_bounce')
    assert.equal(report.status, '2.0.0')
  })

  test('a report whose delivery-status part is base64 is decoded', async ({ assert }) => {
    const status = [
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; gone@example.net',
      'Action: failed',
      'Status: 5.2.1',
      'Diagnostic-Code: smtp; 550 5.2.1 Mailbox disabled',
      '',
    ].join('\r\n')
    const raw = [
      'From: postmaster@example.net',
      'Subject: Undeliverable: Your certificate',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Delivery has failed.',
      '--b1',
      'Content-Type: message/delivery-status',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(status).toString('base64'),
      '--b1--',
      '',
    ].join('\r\n')
    const report = await parseBounce(Buffer.from(raw))
    assert.equal(report.kind, 'failed')
    assert.equal(report.status, '5.2.1')
    assert.equal(report.finalRecipient, 'gone@example.net')
    assert.equal(report.diagnosticCode, '550 5.2.1 Mailbox disabled')
  })
})
