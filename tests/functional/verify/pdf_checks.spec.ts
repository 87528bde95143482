import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiClient, ApiResponse } from '@japa/api-client'
import VerificationEvent from '#certificates/models/verification_event'
import { verificationIpHash } from '#certificates/actions/record_verification_event'
import { givenOrg } from '#tests/helpers/given'
import {
  flushVerificationEvents,
  givenIssued,
  issuedPdf,
  revoke,
  tampered,
  tokenOf,
} from '#tests/helpers/verification'
import { resavedByQpdf, resavedWithoutXmp } from '#tests/helpers/pdf_tools'

const text = (html: string) =>
  html
    // <bdi> isolates a name inline: no space where it opens or closes.
    .replace(/<\/?bdi>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')

function check(client: ApiClient, bytes: Uint8Array, filename = 'certificate.pdf') {
  return client
    .post('/verify')
    .header('x-forwarded-for', '203.0.113.40')
    .file('file', Buffer.from(bytes), { filename })
    .withCsrfToken()
    .redirects(0)
}

function statusOf(response: ApiResponse) {
  return /id="verify-status" data-status="([a-z_]+)"/.exec(response.text())?.[1] ?? null
}

test.group('Verify: checking a PDF on /verify', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the page offers a file form with a CSRF token, no login, no scripts and no referrer', async ({
    client,
    assert,
  }) => {
    const response = await client.get('/verify')
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, '<form method="POST" action="/verify" enctype="multipart/form-data"')
    assert.match(html, /<input type='hidden' name='_csrf' value='[^']+'>/)
    assert.include(html, 'accept=".pdf,application/pdf"')
    assert.notMatch(html, /<script\b/i)
    assert.equal(response.header('referrer-policy'), 'no-referrer')
  })

  test('a genuine PDF shows its certificate, its status and a link to its verification page, and counts as an upload view', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Upload University' })
    const [certificate] = await givenIssued(org)
    const response = await check(client, await issuedPdf(certificate))
    response.assertStatus(200)
    assert.equal(statusOf(response), 'valid')
    const html = response.text()
    assert.include(html, 'This file is exactly the PDF that was issued.')
    assert.include(html, '<p class="verify-issuer-name"><bdi>Upload University</bdi></p>')
    assert.include(html, certificate.certificateNumber)
    assert.include(text(html), 'Awarded to Learner 1')
    assert.include(
      html,
      `href="http://${process.env.HOST}:${process.env.PORT}/v/${tokenOf(certificate)}"`
    )

    await flushVerificationEvents()
    const events = await VerificationEvent.query().where('certificate_id', certificate.id)
    assert.deepEqual(
      events.map((e) => [e.source, e.statusSnapshot, e.ipHash]),
      [['upload', 'valid', verificationIpHash('203.0.113.40')]]
    )
  })

  test('a re-saved or edited copy says the file is not the issued certificate, names the original and shows its status, never "valid"', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Upload University' })
    const [certificate, other] = await givenIssued(org, { count: 2 })
    await revoke(other, 'Issued in error')
    for (const [copy, original] of [
      [tampered(await issuedPdf(certificate)), certificate],
      [resavedByQpdf(await issuedPdf(certificate)), certificate],
      [await resavedWithoutXmp(await issuedPdf(other)), other],
    ] as const) {
      const response = await check(client, copy)
      response.assertStatus(422)
      assert.equal(statusOf(response), 'altered')
      const html = response.text()
      assert.notInclude(html, 'Valid certificate')
      assert.notInclude(html, 'This file is exactly the PDF that was issued.')
      assert.include(text(html), 'This file is not the certificate that was issued')
      assert.include(
        text(html),
        `It carries the verification link of certificate ${original.certificateNumber} , but its bytes differ from that PDF`
      )
      assert.include(
        text(html),
        original === other
          ? 'The original is revoked (since 2 April 2026).'
          : 'The original is valid .'
      )
      assert.include(
        html,
        `href="http://${process.env.HOST}:${process.env.PORT}/v/${tokenOf(original)}"`
      )
    }
    await flushVerificationEvents()
    const events = await VerificationEvent.query().where('certificate_id', certificate.id)
    assert.deepEqual(
      events.map((e) => [e.source, e.statusSnapshot, e.metadata]),
      [
        ['upload', 'valid', { altered: true }],
        ['upload', 'valid', { altered: true }],
      ]
    )
  }).timeout(30_000)

  test('a file that names no certificate is "not issued by Authentix", and records nothing', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    for (const bytes of [
      new TextEncoder().encode('%PDF-1.7 not a certificate'),
      // A link of ours whose token was never issued.
      new TextEncoder().encode(`%PDF-1.7 http://${process.env.HOST}/v/${'A'.repeat(32)}`),
    ]) {
      const response = await check(client, bytes)
      response.assertStatus(200)
      assert.equal(statusOf(response), 'not_found')
      assert.include(response.text(), 'Not issued by Authentix')
    }
    await flushVerificationEvents()
    assert.lengthOf(await VerificationEvent.query().where('certificate_id', certificate.id), 0)
  })

  test("a revoked certificate's genuine PDF shows it revoked, with the reason", async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    await revoke(certificate, 'Recipient did not complete the course')
    const response = await check(client, await issuedPdf(certificate))
    assert.equal(statusOf(response), 'revoked')
    assert.include(text(response.text()), 'Reason: Recipient did not complete the course')
  })

  test('no file is a 422 with the form and its error; without a CSRF token the form is refused', async ({
    client,
    assert,
  }) => {
    const missing = await client.post('/verify').field('nothing', 'here').withCsrfToken()
    missing.assertStatus(422)
    assert.include(missing.text(), 'Choose the certificate PDF to check.')
    assert.include(missing.text(), 'id="verify-upload-form"')

    const forged = await client
      .post('/verify')
      .file('file', Buffer.from('%PDF-1.7'), { filename: 'x.pdf' })
    forged.assertStatus(403)
  })
})
