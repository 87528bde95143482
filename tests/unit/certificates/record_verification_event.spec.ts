import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import testUtils from '@adonisjs/core/services/test_utils'
import { Logger } from '@adonisjs/core/logger'
import verification from '#config/verification'
import Certificate from '#certificates/models/certificate'
import VerificationEvent from '#certificates/models/verification_event'
import RecordVerificationEvent, {
  type RecordVerificationEventInput,
  verificationEventRow,
  verificationIpHash,
} from '#certificates/actions/record_verification_event'
import {
  VerificationEventBuffer,
  verificationEvents,
} from '#certificates/services/verification_event_buffer'
import type Organization from '#orgs/models/organization'
import { givenOrg } from '#tests/helpers/given'
import { flushVerificationEvents, givenIssued } from '#tests/helpers/verification'

/** A real logger whose lines are kept, parsed. */
function capturedLogger() {
  const lines: Array<Record<string, any>> = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return {
    logger: new Logger({ enabled: true, name: 'test', level: 'info', desination: destination }),
    lines,
  }
}

function view(certificate: Certificate, ip = '203.0.113.9'): RecordVerificationEventInput {
  return {
    certificate,
    source: 'link',
    status: 'valid',
    origin: { ip, userAgent: 'VerifierPhone/1.0' },
  }
}

async function countOf(certificate: Certificate) {
  const events = await VerificationEvent.query().where('certificate_id', certificate.id)
  return events.length
}

/** A certificate that is nowhere in the database: its view breaks the foreign key. */
function unknownCertificate() {
  const certificate = new Certificate()
  certificate.merge({ id: randomUUID(), organizationId: randomUUID() })
  return certificate
}

test.group('RecordVerificationEvent: views are written in batches', (group) => {
  // Each test issues its certificate inside its own transaction: nothing is left committed (the
  // demo seeder's test expects a database without organizations).
  let org: Organization
  let certificate: Certificate
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(async () => {
    const given = await givenOrg()
    org = given.org
    ;[certificate] = await givenIssued(org)
  })

  test('a view is held, not written, until its batch goes; then it carries its source, status, hashed address and user agent', async ({
    assert,
  }) => {
    const before = verificationEvents.waiting
    RecordVerificationEvent.handle({
      certificate,
      source: 'api',
      status: 'revoked',
      origin: { ip: '198.51.100.7', userAgent: 'curl/8.5' },
      metadata: { by: 'token' },
    })
    assert.equal(verificationEvents.waiting, before + 1)
    assert.equal(await countOf(certificate), 0, 'nothing written on the request path')

    await flushVerificationEvents()
    const [event] = await VerificationEvent.query().where('certificate_id', certificate.id)
    assert.deepEqual(
      [event.organizationId, event.source, event.statusSnapshot, event.userAgent, event.metadata],
      [org.id, 'api', 'revoked', 'curl/8.5', { by: 'token' }]
    )
    assert.equal(event.ipHash, verificationIpHash('198.51.100.7'))
    assert.isTrue(Math.abs(event.scannedAt.diffNow().as('minutes')) < 1)
    assert.equal(verificationEvents.waiting, 0)
  })

  test("the app's buffer hands a batch to the database as soon as it is full (VERIFICATION_EVENTS_BATCH_SIZE)", async ({
    assert,
  }) => {
    await flushVerificationEvents()
    const size = verification.events.batchSize
    // Synchronous pushes: no timer can fire in between.
    for (let i = 0; i < size - 1; i++) RecordVerificationEvent.handle(view(certificate))
    assert.equal(verificationEvents.waiting, size - 1)
    RecordVerificationEvent.handle(view(certificate))
    assert.equal(verificationEvents.waiting, 0, 'the full batch left at once')
    await verificationEvents.flush()
    assert.equal(await countOf(certificate), size)
  })

  test('views beyond a batch wait for the next one; flush writes them all, in batches of the configured size', async ({
    assert,
  }) => {
    const { logger, lines } = capturedLogger()
    const buffer = new VerificationEventBuffer({ flushIntervalMs: 60_000, batchSize: 3, logger })
    for (let i = 0; i < 7; i++) buffer.push(verificationEventRow(view(certificate)))
    assert.equal(buffer.waiting, 1, 'two full batches left, one view waits')
    // Two flushes at once, and a third after: each resolves once everything before it is written.
    await Promise.all([buffer.flush(), buffer.flush()])
    assert.equal(await countOf(certificate), 7)
    await buffer.flush()
    assert.equal(await countOf(certificate), 7)
    assert.deepEqual(lines, [])
  })

  test('a waiting view is written by the timer, with nobody calling flush', async ({ assert }) => {
    const { logger } = capturedLogger()
    const buffer = new VerificationEventBuffer({ flushIntervalMs: 20, batchSize: 500, logger })
    buffer.push(verificationEventRow(view(certificate)))
    assert.equal(buffer.waiting, 1)
    let written = 0
    for (let i = 0; i < 200 && written === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      written = await countOf(certificate)
    }
    assert.equal(written, 1)
    assert.equal(buffer.waiting, 0)
  })

  // These two run in order: the certificate is committed, so a view written after the first test's
  // rollback (the harness flushing too late) would still be there in the second.
  test('a view a test leaves waiting in the buffer…', ({ assert }) => {
    RecordVerificationEvent.handle(view(certificate, '192.0.2.77'))
    assert.isAbove(verificationEvents.waiting, 0)
  })

  test('…is written inside that test’s transaction, before its rollback, so the next test never sees it', async ({
    assert,
  }) => {
    assert.equal(verificationEvents.waiting, 0)
    const leaked = await VerificationEvent.query()
      .where('certificate_id', certificate.id)
      .where('ip_hash', verificationIpHash('192.0.2.77'))
    assert.lengthOf(leaked, 0)
  })

  test('a batch size or interval that is not a positive whole number is refused, naming the setting', ({
    assert,
  }) => {
    const { logger } = capturedLogger()
    assert.throws(
      () => new VerificationEventBuffer({ flushIntervalMs: 250, batchSize: 0, logger }),
      /VERIFICATION_EVENTS_BATCH_SIZE must be a whole number ≥ 1, not 0/
    )
    assert.throws(
      () => new VerificationEventBuffer({ flushIntervalMs: Number.NaN, batchSize: 500, logger }),
      /VERIFICATION_EVENTS_FLUSH_MS must be a whole number of milliseconds ≥ 1, not NaN/
    )
  })
})

// No global transaction: on PostgreSQL the refused INSERT would abort it. Nothing is written.
test.group('RecordVerificationEvent: a write that fails', () => {
  test('is logged with the number of views lost, and never throws into the request that recorded them or into flush', async ({
    assert,
  }) => {
    const { logger, lines } = capturedLogger()
    const buffer = new VerificationEventBuffer({ flushIntervalMs: 60_000, batchSize: 2, logger })
    const unknown = unknownCertificate()
    assert.doesNotThrow(() => {
      buffer.push(verificationEventRow(view(unknown)))
      buffer.push(verificationEventRow(view(unknown)))
      buffer.push(verificationEventRow(view(unknown)))
    })
    await buffer.flush()
    assert.deepEqual(
      lines.map((line) => [line.level, line.lost, line.msg]),
      [
        [50, 2, '2 verification views were not recorded'],
        [50, 1, '1 verification view was not recorded'],
      ]
    )
    assert.match(lines[0].err.message, /foreign key/i)
    assert.equal(await VerificationEvent.query().where('certificate_id', unknown.id).first(), null)
  })

  test("through the app's own buffer, a request's view of a certificate deleted before the write fails quietly", async ({
    assert,
  }) => {
    const unknown = unknownCertificate()
    assert.isUndefined(RecordVerificationEvent.handle(view(unknown)))
    await flushVerificationEvents()
    assert.equal(verificationEvents.waiting, 0)
    assert.equal(await VerificationEvent.query().where('certificate_id', unknown.id).first(), null)
  })
})
