import { test } from '@japa/runner'
import { createHash } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type { ApiClient, ApiResponse } from '@japa/api-client'
import { generateToken } from '#core/services/tokens'
import verification from '#config/verification'
import Organization from '#orgs/models/organization'
import Certificate from '#certificates/models/certificate'
import VerificationEvent from '#certificates/models/verification_event'
import CertificateVerification from '#certificates/queries/verification'
import { verificationIpHash } from '#certificates/actions/record_verification_event'
import { qrPayloadUrl } from '#certificates/services/verification_links'
import { rasterizePage } from '#templates/services/rasterize'
import { givenOrg } from '#tests/helpers/given'
import { givenBrandingAsset, signaturePng } from '#tests/helpers/given_templates'
import { binary, bytesOf } from '#tests/helpers/binary'
import { decodeQr } from '#tests/helpers/qr'
import { whereInDatabase } from '#tests/helpers/database_scan'
import { baseUrl } from '#tests/helpers/browser'
import {
  expire,
  flushVerificationEvents,
  givenIssued,
  revoke,
  supersede,
  tokenOf,
} from '#tests/helpers/verification'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const text = (html: string) =>
  html
    // <bdi> isolates a name inline: no space where it opens or closes.
    .replace(/<\/?bdi>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')

function page(client: ApiClient, path: string, ip = '198.51.100.20') {
  return client
    .get(path)
    .header('x-forwarded-for', ip)
    .header('user-agent', 'VerifierPhone/1.0')
    .redirects(0)
}

function bannerOf(response: ApiResponse) {
  const match =
    /<section class="verify-banner[^"]*" id="verify-status" data-status="([a-z_]+)"[\s\S]*?<\/section>/.exec(
      response.text()
    )
  return match ? { status: match[1], text: text(match[0]).trim() } : null
}

async function eventsOf(certificate: Certificate) {
  await flushVerificationEvents()
  return VerificationEvent.query().where('certificate_id', certificate.id)
}

test.group('Verify: the public page of a certificate', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a valid certificate shows its issuer, recipient, title, number, dates, the PDF and an Add to LinkedIn link, with no login', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Shiksha Academy' })
    const [certificate] = await givenIssued(org, { expiry: { mode: 'months', months: 24 } })
    const token = tokenOf(certificate)

    const response = await page(client, `/v/${token}`)
    response.assertStatus(200)
    const html = response.text()
    assert.deepEqual(bannerOf(response), {
      status: 'valid',
      text: `✓ Valid certificate Issued by Shiksha Academy to Learner 1. The details below are the issuer's own record.`,
    })
    assert.include(html, '<p class="verify-issuer-name"><bdi>Shiksha Academy</bdi></p>')
    assert.include(html, '<h1 class="verify-title"><bdi>Data Science</bdi></h1>')
    assert.include(html, '<dd class="verify-recipient"><bdi>Learner 1</bdi></dd>')
    assert.include(
      html,
      `<dd class="mono" id="verify-number">${certificate.certificateNumber}</dd>`
    )
    assert.include(text(html), 'Issued on 15 March 2026')
    assert.include(text(html), 'Valid until 15 March 2028')
    assert.include(html, `href="/v/${token}/pdf"`)
    assert.include(html, `href="/v/${token}/pdf?download=1"`)

    const linkedIn = new URL(
      /id="verify-linkedin"/.test(html)
        ? /href="([^"]+)" target="_blank" rel="noopener noreferrer" id="verify-linkedin"/
            .exec(html)![1]
            .replace(/&amp;/g, '&')
        : ''
    )
    assert.equal(linkedIn.origin + linkedIn.pathname, 'https://www.linkedin.com/profile/add')
    assert.deepEqual(Object.fromEntries(linkedIn.searchParams), {
      startTask: 'CERTIFICATION_NAME',
      name: 'Data Science',
      organizationName: 'Shiksha Academy',
      issueYear: '2026',
      issueMonth: '3',
      expirationYear: '2028',
      expirationMonth: '3',
      certUrl: `http://${process.env.HOST}:${process.env.PORT}/v/${token}`,
      certId: certificate.certificateNumber,
    })
    // Nothing from anyone else runs on the page.
    assert.notMatch(html, /<script\b/i)
    assert.notMatch(html, /\sstyle\s*=/i)
  })

  test('pages carry Referrer-Policy: no-referrer, are not indexed or cached, and keep the strict CSP', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    for (const path of [
      `/v/${tokenOf(certificate)}`,
      `/v/${generateToken()}`,
      `/v/${tokenOf(certificate)}/pdf`,
      '/verify',
    ]) {
      const response = await page(client, path)
      assert.equal(response.header('referrer-policy'), 'no-referrer', path)
      assert.equal(response.header('x-robots-tag'), 'noindex, nofollow', path)
      assert.match(response.header('content-security-policy') ?? '', /script-src 'self'/, path)
      assert.match(response.header('content-security-policy') ?? '', /frame-ancestors 'none'/, path)
      assert.equal(response.header('x-content-type-options'), 'nosniff', path)
    }
    const viewed = await page(client, `/v/${tokenOf(certificate)}`)
    const html = viewed.text()
    assert.include(html, '<meta name="referrer" content="no-referrer">')
    const viewedAgain = await page(client, `/v/${tokenOf(certificate)}`)
    assert.include(viewedAgain.header('cache-control'), 'no-store')
  })

  test('an expired certificate says so, whether the nightly job marked it or only its date has passed; no LinkedIn link', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Expiry Institute' })
    const [marked, byDate] = await givenIssued(org, { count: 2 })
    await expire(marked)
    await expire(byDate, { statusLeft: true })
    for (const certificate of [marked, byDate]) {
      const response = await page(client, `/v/${tokenOf(certificate)}`)
      response.assertStatus(200)
      const validUntil = DateTime.fromISO(certificate.expiryDate!)
        .setLocale('en-GB')
        .toFormat('d LLLL yyyy')
      assert.deepEqual(bannerOf(response), {
        status: 'expired',
        text: `! Expired Issued by Expiry Institute and valid until ${validUntil}; it is no longer current.`,
      })
      assert.include(text(response.text()), `Expired after ${validUntil}`)
      assert.notInclude(response.text(), 'verify-linkedin')
    }
  })

  test('a revoked certificate shows the reason and the date it was revoked', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Revoking Board' })
    const [certificate] = await givenIssued(org)
    await revoke(certificate, 'Exam result annulled <after review>')
    const response = await page(client, `/v/${tokenOf(certificate)}`)
    response.assertStatus(200)
    assert.deepEqual(bannerOf(response), {
      status: 'revoked',
      text: '✕ Revoked Revoking Board revoked this certificate on 2 April 2026. It is no longer valid. Reason: Exam result annulled &lt;after review&gt;',
    })
    assert.notInclude(response.text(), '<after review>')
    assert.notInclude(response.text(), 'verify-linkedin')
  })

  test("a superseded certificate links to its replacement's verification page, which shows it valid", async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Correcting College' })
    const [old, replacement] = await givenIssued(org, { count: 2 })
    await supersede(old, replacement)
    const response = await page(client, `/v/${tokenOf(old)}`)
    response.assertStatus(200)
    const replacementUrl = `http://${process.env.HOST}:${process.env.PORT}/v/${tokenOf(replacement)}`
    assert.deepEqual(bannerOf(response), {
      status: 'superseded',
      text: '↻ Replaced by a newer certificate Correcting College issued a corrected certificate in place of this one on 5 April 2026. This one is no longer valid. View the current certificate',
    })
    assert.include(
      response.text(),
      `<a class="btn verify-banner-action" href="${replacementUrl}">View the current certificate</a>`
    )
    const followed = await page(client, new URL(replacementUrl).pathname)
    assert.equal(bannerOf(followed)?.status, 'valid')
    assert.include(followed.text(), replacement.certificateNumber)
  })

  test('a replacement still being drawn (pending) is not linked yet', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [old, replacement] = await givenIssued(org, { count: 2 })
    await supersede(old, replacement)
    await Certificate.query().where('id', replacement.id).update({ status: 'pending' })
    const response = await page(client, `/v/${tokenOf(old)}`)
    assert.equal(bannerOf(response)?.status, 'superseded')
    assert.include(response.text(), 'The new certificate is still being prepared')
    assert.notInclude(response.text(), tokenOf(replacement))
  })

  test("the issuer's logo is shown when it has one, served only through a valid token", async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Logo Labs' })
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    const withoutLogo = await page(client, `/v/${token}`)
    assert.notInclude(withoutLogo.text(), 'verify-logo')
    const missingLogo = await page(client, `/v/${token}/logo`)
    assert.equal(missingLogo.status(), 404)

    await givenBrandingAsset(org, { type: 'signature', name: 'Director' })
    const logo = await givenBrandingAsset(org, {
      type: 'logo',
      name: 'Logo Labs mark',
      bytes: signaturePng(400, 120),
    })
    const withLogo = await page(client, `/v/${token}`)
    const html = withLogo.text()
    assert.include(html, `<img src="/v/${token}/logo" alt="Logo Labs logo" class="verify-logo">`)
    const image = await page(client, `/v/${token}/logo`)
    image.assertStatus(200)
    assert.equal(image.header('content-type'), 'image/png')
    const stored = await db.from('files').where('id', logo.fileId).first()
    assert.equal(sha256(bytesOf(image)), stored.checksum)
  })
})

test.group('Verify: unknown tokens', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('unknown, malformed, pending and deleted-org tokens all answer the same 404 page, on the page, PDF and logo routes', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [pending, ofDeletedOrg, real] = await givenIssued(org, { count: 3 })
    await Certificate.query().where('id', pending.id).update({ status: 'pending' })
    const { org: gone } = await givenOrg()
    await Certificate.query().where('id', ofDeletedOrg.id).update({ organization_id: gone.id })
    await Organization.query().where('id', gone.id).update({ deleted_at: DateTime.utc().toSQL() })

    const tokens = [
      generateToken(),
      generateToken(),
      'short',
      'x'.repeat(300),
      encodeURIComponent('../../etc/passwd'),
      `${tokenOf(real)}x`,
      tokenOf(pending),
      tokenOf(ofDeletedOrg),
    ]
    const bodies = new Set<string>()
    for (const token of tokens) {
      for (const path of [`/v/${token}`, `/v/${token}/pdf`, `/v/${token}/logo`]) {
        const response = await page(client, path)
        assert.equal(response.status(), 404, path)
        assert.match(response.header('content-type') ?? '', /text\/html/, path)
        bodies.add(response.text())
      }
    }
    assert.equal(bodies.size, 1, 'every unknown token gets byte-identical HTML')
    const [body] = bodies
    assert.include(body, "We couldn't find this certificate")
    assert.notInclude(body, 'csrf')
    await flushVerificationEvents()
    assert.lengthOf(
      await VerificationEvent.query().whereIn('certificate_id', [pending.id, ofDeletedOrg.id]),
      0
    )
  })

  test('10,000 random tokens find nothing', async ({ assert }) => {
    const { org } = await givenOrg()
    await givenIssued(org, { count: 3 })
    let hits = 0
    for (let i = 0; i < 10_000; i++) {
      if (await CertificateVerification.byToken(generateToken())) hits++
    }
    assert.equal(hits, 0)
  }).timeout(120_000)
})

test.group('Verify: verification events', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('each view records one event: qr when the URL says ?via=qr, else link, with the IP hashed and the status shown', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    const seen: string[] = []
    /** The one event the last request added. */
    async function added() {
      await flushVerificationEvents()
      const events = await VerificationEvent.query()
        .where('certificate_id', certificate.id)
        .whereNotIn('id', seen.length ? seen : [certificate.id])
      assert.lengthOf(events, 1)
      seen.push(events[0].id)
      return events[0]
    }

    await page(client, `/v/${token}?via=qr`, '203.0.113.7')
    const scan = await added()
    assert.deepEqual(
      [scan.source, scan.statusSnapshot, scan.organizationId],
      ['qr', 'valid', org.id]
    )
    assert.equal(scan.ipHash, verificationIpHash('203.0.113.7'))
    assert.match(scan.ipHash!, /^[0-9a-f]{64}$/)
    assert.equal(scan.userAgent, 'VerifierPhone/1.0')
    assert.deepEqual(scan.metadata, {})
    assert.isTrue(Math.abs(scan.scannedAt.diffNow().as('minutes')) < 1)

    await page(client, `/v/${token}`, '203.0.113.7')
    const link = await added()
    assert.deepEqual([link.source, link.statusSnapshot], ['link', 'valid'])
    assert.equal(link.ipHash, scan.ipHash, 'one address, one hash')

    await page(client, `/v/${token}?via=email`, '198.51.100.99')
    const other = await added()
    assert.equal(other.source, 'link')
    assert.equal(other.ipHash, verificationIpHash('198.51.100.99'))
    assert.notEqual(other.ipHash, scan.ipHash)

    await revoke(certificate)
    await page(client, `/v/${token}?via=qr`, '198.51.100.99')
    const afterRevocation = await added()
    assert.deepEqual([afterRevocation.source, afterRevocation.statusSnapshot], ['qr', 'revoked'])

    // The address is stored nowhere (the throttles count in memory), never with a view; the
    // token is nowhere.
    assert.deepEqual(await whereInDatabase('203.0.113.7'), [])
    assert.deepEqual(await whereInDatabase(token), [])
  })

  test('the PDF, the logo and HEAD requests are not views; long user agents are cut to 500 characters', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    await page(client, `/v/${token}/pdf`)
    await page(client, `/v/${token}/pdf?download=1`)
    await page(client, `/v/${token}/logo`)
    await client.head(`/v/${token}`)
    assert.lengthOf(await eventsOf(certificate), 0)

    await client.get(`/v/${token}`).header('user-agent', `Mozilla/5.0 ${'é'.repeat(700)}`)
    const [event] = await eventsOf(certificate)
    assert.equal(Array.from(event.userAgent!).length, 500)
    assert.isTrue(event.userAgent!.startsWith('Mozilla/5.0 éé'))
  })

  test("the QR code printed on the PDF opens the certificate's page and counts as a scan", async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const pdf = bytesOf(await binary(page(client, `/v/${tokenOf(certificate)}/pdf`)))
    const png = await rasterizePage(pdf, { width: 1600, format: 'png' })
    const qr = await decodeQr(png.bytes)
    assert.equal(qr?.data, qrPayloadUrl(certificate.id))
    const scanned = await page(client, new URL(qr!.data).pathname + new URL(qr!.data).search)
    assert.equal(bannerOf(scanned)?.status, 'valid')
    const events = await eventsOf(certificate)
    assert.deepEqual(
      events.map((e) => e.source),
      ['qr']
    )
  })

  test('anonymous views write no session rows', async ({ assert }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    // Plain fetch, like a phone's first visit: no cookies at all (the test client always sends one).
    const before = await db.from('sessions').count('* as total').first()
    for (const path of [
      `/v/${tokenOf(certificate)}`,
      `/v/${generateToken()}`,
      `/v/${tokenOf(certificate)}/pdf`,
    ]) {
      const response = await fetch(`${baseUrl()}${path}`)
      assert.oneOf(response.status, [200, 404], path)
    }
    const after = await db.from('sessions').count('* as total').first()
    assert.equal(Number(after.total), Number(before.total))
  })
})

test.group('Verify: the PDF', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('is served inline, or as an attachment with ?download=1, and its bytes are exactly those issued (SHA-256)', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)

    const inline = await binary(page(client, `/v/${token}/pdf`))
    inline.assertStatus(200)
    assert.equal(inline.header('content-type'), 'application/pdf')
    const filename = `${certificate.certificateNumber}-learner-1.pdf`
    assert.equal(
      inline.header('content-disposition'),
      `inline; filename="${filename}"; filename*=UTF-8''${filename}`
    )
    assert.equal(inline.header('etag'), `"${certificate.sha256}"`)
    assert.equal(inline.header('referrer-policy'), 'no-referrer')
    const bytes = bytesOf(inline)
    assert.equal(sha256(bytes), certificate.sha256)
    assert.equal(Number(inline.header('content-length')), bytes.byteLength)
    assert.equal(Buffer.from(bytes.subarray(0, 5)).toString(), '%PDF-')

    const download = await binary(page(client, `/v/${token}/pdf?download=1`))
    download.assertStatus(200)
    assert.match(download.header('content-disposition')!, /^attachment; filename="/)
    assert.equal(sha256(bytesOf(download)), certificate.sha256)

    const again = await page(client, `/v/${token}/pdf`).header(
      'if-none-match',
      `"${certificate.sha256}"`
    )
    again.assertStatus(304)
  })

  test('a revoked certificate still shows its PDF next to the revoked banner', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    await revoke(certificate)
    const response = await binary(page(client, `/v/${tokenOf(certificate)}/pdf`))
    response.assertStatus(200)
    assert.equal(sha256(bytesOf(response)), certificate.sha256)
  })
})

test.group('Verify: throttle', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('past its limit of links that match nothing, an address gets the 429 page on every /v route; its real certificates still show, and refusals record no views', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    const unknown = generateToken()
    const misses = [`/v/${unknown}`, `/v/${unknown}/pdf`, `/v/${unknown}/logo`]
    for (let i = 0; i < verification.throttle.missesPerIp; i++) {
      const response = await page(client, misses[i % misses.length], '192.0.2.61')
      assert.equal(response.status(), 404, `miss ${i + 1}`)
    }
    for (const path of misses) {
      const refused = await page(client, path, '192.0.2.61')
      assert.equal(refused.status(), 429, path)
      assert.include(refused.text(), 'Too many requests')
      assert.equal(refused.header('referrer-policy'), 'no-referrer')
      assert.match(refused.header('retry-after') ?? '', /^\d+$/)
    }
    for (const path of [`/v/${token}`, `/v/${token}/pdf`]) {
      const response = await page(client, path, '192.0.2.61')
      assert.equal(response.status(), 200, path)
    }
    const events = await eventsOf(certificate)
    assert.equal(events.filter((e) => e.ipHash === verificationIpHash('192.0.2.61')).length, 1)
  })
})
