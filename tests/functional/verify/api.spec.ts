import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import type { ApiClient } from '@japa/api-client'
import { generateToken } from '#core/services/tokens'
import Certificate from '#certificates/models/certificate'
import VerificationEvent from '#certificates/models/verification_event'
import { givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { baseUrl } from '#tests/helpers/browser'
import {
  expire,
  flushVerificationEvents,
  givenIssued,
  issuedPdf,
  revoke,
  supersede,
  tampered,
  tokenOf,
} from '#tests/helpers/verification'
import { resavedByQpdf, resavedWithoutXmp } from '#tests/helpers/pdf_tools'

const NOT_FOUND = { errors: [{ code: 'E_NOT_FOUND', message: 'Resource not found' }] }

function verify(client: ApiClient, token: string, ip = '198.51.100.50') {
  return client.get(`/api/v1/verify/${token}`).header('x-forwarded-for', ip)
}

function verifyPdf(client: ApiClient, bytes: Uint8Array) {
  return client
    .post('/api/v1/verify/pdf')
    .header('x-forwarded-for', '198.51.100.51')
    .file('file', Buffer.from(bytes), { filename: 'certificate.pdf' })
}

const iso = (certificate: Certificate, key: 'issuedAt' | 'expiresAt' | 'revokedAt') =>
  certificate[key]?.toUTC().toISO() ?? null

test.group('Verify API: GET /api/v1/verify/:token', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a valid certificate answers the contract body, with no API key', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'API Academy' })
    const [certificate] = await givenIssued(org, { expiry: { mode: 'date', date: '2030-06-30' } })
    const response = await verify(client, tokenOf(certificate))
    response.assertStatus(200)
    assert.match(response.header('content-type') ?? '', /application\/json/)
    assert.deepEqual(response.body(), {
      status: 'valid',
      certificate_number: certificate.certificateNumber,
      recipient_name: 'Learner 1',
      title: 'Data Science',
      issued_at: iso(certificate, 'issuedAt'),
      expires_at: '2030-07-01T00:00:00.000Z',
      issue_date: '2026-03-15',
      expiry_date: '2030-06-30',
      issuer: { name: 'API Academy' },
    })
    assert.match(response.body().issued_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    await flushVerificationEvents()
    const [event] = await VerificationEvent.query().where('certificate_id', certificate.id)
    assert.deepEqual(
      [event.source, event.statusSnapshot, event.metadata],
      ['api', 'valid', { by: 'token' }]
    )
  })

  test('expired, revoked and superseded certificates say so, with the revocation and the replacement', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'States College' })
    const [expired, expiredByDate, revoked, old, replacement] = await givenIssued(org, { count: 5 })
    await expire(expired)
    await expire(expiredByDate, { statusLeft: true })
    await revoke(revoked, 'Plagiarism')
    await supersede(old, replacement)

    for (const certificate of [expired, expiredByDate]) {
      const response = await verify(client, tokenOf(certificate))
      const body = response.body()
      assert.equal(body.status, 'expired')
      assert.equal(body.expires_at, iso(certificate, 'expiresAt'))
      assert.notProperty(body, 'revoked_at')
    }
    const revokedResponse = await verify(client, tokenOf(revoked))
    const revokedBody = revokedResponse.body()
    assert.deepInclude(revokedBody, {
      status: 'revoked',
      revoked_at: '2026-04-02T09:30:00.000Z',
      revocation_reason: 'Plagiarism',
    })
    assert.notProperty(revokedBody, 'superseded_by_url')
    const oldResponse = await verify(client, tokenOf(old))
    const oldBody = oldResponse.body()
    assert.deepInclude(oldBody, {
      status: 'superseded',
      superseded_by_url: `http://${process.env.HOST}:${process.env.PORT}/v/${tokenOf(replacement)}`,
    })
    assert.notProperty(oldBody, 'revoked_at')
    const replacementResponse = await verify(client, tokenOf(replacement))
    assert.equal(replacementResponse.body().status, 'valid')
  })

  test('unknown, malformed and pending tokens answer the same 404 as any unknown resource', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [pending] = await givenIssued(org)
    await Certificate.query().where('id', pending.id).update({ status: 'pending' })
    for (const token of [generateToken(), 'nope', 'a'.repeat(500), tokenOf(pending)]) {
      const response = await verify(client, token)
      response.assertStatus(404)
      assert.deepEqual(response.body(), NOT_FOUND, token)
    }
  })

  test('an API key is not needed, and a bad one changes nothing; no session row is written', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const { secret } = await givenApiKey(org)
    const withBadKey = await verify(client, tokenOf(certificate)).bearerToken('atx_not-a-key')
    assert.equal(withBadKey.status(), 200)
    const withKey = await verify(client, tokenOf(certificate)).bearerToken(secret)
    assert.equal(withKey.status(), 200)

    const before = await db.from('sessions').count('* as total').first()
    const plain = await fetch(`${baseUrl()}/api/v1/verify/${tokenOf(certificate)}`)
    assert.equal(plain.status, 200)
    assert.equal(((await plain.json()) as { status: string }).status, 'valid')
    const unknown = await fetch(`${baseUrl()}/api/v1/verify/${generateToken()}`)
    assert.equal(unknown.status, 404)
    const after = await db.from('sessions').count('* as total').first()
    assert.equal(Number(after.total), Number(before.total))
  })
})

test.group('Verify API: POST /api/v1/verify/pdf', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a genuine PDF answers the same body as its token', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const [certificate, other] = await givenIssued(org, { count: 2 })
    await revoke(other)
    const response = await verifyPdf(client, await issuedPdf(certificate))
    response.assertStatus(200)
    const byToken = await verify(client, tokenOf(certificate))
    assert.deepEqual(response.body(), byToken.body())
    const otherByPdf = await verifyPdf(client, await issuedPdf(other))
    const otherByToken = await verify(client, tokenOf(other))
    assert.deepEqual(otherByPdf.body(), otherByToken.body())
    await flushVerificationEvents()
    const events = await VerificationEvent.query()
      .where('certificate_id', certificate.id)
      .where('source', 'api')
    assert.sameDeepMembers(
      events.map((e) => e.metadata),
      [{ by: 'pdf' }, { by: 'token' }]
    )
  })

  test('a copy with one changed byte, or re-saved by another tool, is a 422 E_PDF_ALTERED naming the original; never 200', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate, other] = await givenIssued(org, { count: 2 })
    await revoke(other)
    for (const [copy, original, status] of [
      [tampered(await issuedPdf(certificate)), certificate, 'valid'],
      [resavedByQpdf(await issuedPdf(certificate)), certificate, 'valid'],
      [await resavedWithoutXmp(await issuedPdf(other)), other, 'revoked'],
    ] as const) {
      const response = await verifyPdf(client, copy)
      response.assertStatus(422)
      assert.deepEqual(response.body(), {
        errors: [
          {
            code: 'E_PDF_ALTERED',
            message: `This file is not the PDF that was issued: it differs from certificate ${original.certificateNumber}, whose verification link it carries. Check the original at its verification URL.`,
          },
        ],
        original: {
          certificate_number: original.certificateNumber,
          status,
          verification_url: `http://${process.env.HOST}:${process.env.PORT}/v/${tokenOf(original)}`,
        },
      })
    }
    await flushVerificationEvents()
    const events = await VerificationEvent.query().where('certificate_id', certificate.id)
    assert.deepEqual(
      events.map((e) => e.metadata),
      [
        { by: 'pdf', altered: true },
        { by: 'pdf', altered: true },
      ]
    )
  }).timeout(30_000)

  test('any other file, or one naming a link that was never issued, is a 404', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    for (const bytes of [
      new TextEncoder().encode('hello'),
      new TextEncoder().encode(`%PDF-1.7 https://elsewhere.example/v/${'B'.repeat(32)}`),
    ]) {
      const response = await verifyPdf(client, bytes)
      response.assertStatus(404)
      assert.deepEqual(response.body(), NOT_FOUND)
    }
    await flushVerificationEvents()
    assert.lengthOf(await VerificationEvent.query().where('certificate_id', certificate.id), 0)
  })

  test('no file part is a 422 naming the field', async ({ client, assert }) => {
    const response = await client.post('/api/v1/verify/pdf').json({ file: 'not a file' })
    response.assertStatus(422)
    assert.deepEqual(response.body(), {
      errors: [
        {
          code: 'E_FILE_REQUIRED',
          message: 'Send the certificate PDF as the multipart part "file".',
          field: 'file',
        },
      ],
    })
  })
})
