import { test } from '@japa/runner'
import { randomInt } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { generateToken, hashToken } from '#core/services/tokens'
import verification from '#config/verification'
import RevokeCertificate from '#certificates/actions/revoke_certificate'
// Registers how rows are read ahead (the server's controllers load it on their first request).
import '#certificates/queries/verification'
import {
  buildIssuedTokens,
  forgetIssuedTokens,
  forgetReadAhead,
  forgetVerifiedCertificateHere,
  jobsReadAhead,
  pollVerificationChanges,
  readAheadNow,
} from '#certificates/services/verification_cache'
import { givenOrg } from '#tests/helpers/given'
import { baseUrl } from '#tests/helpers/browser'
import { givenIssued, issuedPdf, tokenOf } from '#tests/helpers/verification'

/*
| Verification at a convocation: a whole campus behind one address scans its
| certificates within minutes. Hits pass in bursts of thousands; what is
| throttled strictly is what guessing needs (misses) and what costs (uploads).
| The throttles count in this process's memory, so each test speaks from an
| address of its own.
*/

/** A documentation-range address nobody else in the run uses. */
const newAddress = () => `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`

const get = (path: string, ip: string, init: RequestInit = {}) =>
  fetch(`${baseUrl()}${path}`, {
    ...init,
    headers: { 'x-forwarded-for': ip, ...(init.headers as Record<string, string>) },
    redirect: 'manual',
  })

const statusOf = (response: Promise<Response>) => response.then(({ status }) => status)

/** The cookies a response set, as a browser would send them back. */
const cookieHeader = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ')

/** What a first-time visitor's JSON verification says: its status and the name shown. */
async function nameOf(token: string) {
  const response = await get(`/api/v1/verify/${token}`, newAddress())
  const body = (await response.json()) as { status: string; recipient_name: string }
  return `${body.status} ${body.recipient_name}`
}

/** Renames a certificate behind the process's back, as another host's write would. */
const renamed = (id: string) =>
  db.from('certificates').where('id', id).update({ recipient_name: 'Renamed Behind' })

async function rowCount(table: string) {
  const row = await db.from(table).count('* as total').first()
  return Number(row.total)
}

test.group('Verify at scale: throttles', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a campus behind one address: hundreds of scans of different certificates in a burst all pass', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const certificates = await givenIssued(org, { count: 20 })
    const campus = newAddress()
    // Far past the old 60-a-minute limit: page and JSON for each, five rounds.
    const paths = Array.from({ length: 5 }, () =>
      certificates.flatMap((c) => [`/v/${tokenOf(c)}?via=qr`, `/api/v1/verify/${tokenOf(c)}`])
    ).flat()
    const statuses = await Promise.all(paths.map((path) => statusOf(get(path, campus))))
    assert.lengthOf(paths, 200)
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      []
    )
  })

  test('tokens that match nothing: the address gets 429 with Retry-After past its limit; its hits still pass, other addresses are untouched', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const guesser = newAddress()
    for (let i = 0; i < verification.throttle.missesPerIp; i++) {
      const path = i % 2 ? `/v/${generateToken()}` : `/api/v1/verify/${generateToken()}`
      assert.equal(await statusOf(get(path, guesser)), 404, `miss ${i + 1}`)
    }
    const page = await get(`/v/${generateToken()}`, guesser)
    assert.equal(page.status, 429)
    assert.match(page.headers.get('retry-after') ?? '', /^\d+$/)
    assert.include(await page.text(), 'match no certificate')
    const json = await get(`/api/v1/verify/${generateToken()}`, guesser)
    assert.equal(json.status, 429)
    const body = (await json.json()) as { errors: { code: string; message: string }[] }
    assert.equal(body.errors[0].code, 'E_TOO_MANY_REQUESTS')
    assert.match(json.headers.get('retry-after') ?? '', /^\d+$/)

    // A graduate on the same network still sees their certificate.
    assert.equal(await statusOf(get(`/v/${tokenOf(certificate)}`, guesser)), 200)
    assert.equal(await statusOf(get(`/v/${generateToken()}`, newAddress())), 404)
  })

  test('a scanner over its miss limit is refused before any lookup; a certificate issued since shows to it once the change feed has read it, and to anyone else at once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    await givenIssued(org)
    await buildIssuedTokens()
    try {
      const scanner = newAddress()
      for (let i = 0; i < verification.throttle.missesPerIp; i++) {
        assert.equal(await statusOf(get(`/api/v1/verify/${generateToken()}`, scanner)), 404)
      }
      assert.equal(await statusOf(get(`/api/v1/verify/${generateToken()}`, scanner)), 429)

      // Issued after the filter was read, and not yet seen by the change feed.
      const [fresh] = await givenIssued(org)
      const freshPath = `/api/v1/verify/${tokenOf(fresh)}`
      assert.equal(
        await statusOf(get(freshPath, scanner)),
        429,
        'refused without a lookup: a lookup would have found it'
      )
      assert.equal(await statusOf(get(freshPath, newAddress())), 200, 'anyone else: shown at once')

      await pollVerificationChanges()
      assert.equal(await statusOf(get(freshPath, scanner)), 200, 'known once the feed read it')
      assert.equal(await statusOf(get(`/v/${tokenOf(fresh)}`, scanner)), 200)
      assert.equal(await statusOf(get(`/api/v1/verify/${generateToken()}`, scanner)), 429)
    } finally {
      forgetIssuedTokens()
    }
  })

  test('one certificate opened past its ceiling from many addresses (hot-linking) gets 429; other certificates do not', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const [hot, other] = await givenIssued(org, { count: 2 })
    const path = `/api/v1/verify/${tokenOf(hot)}`
    const statuses: number[] = []
    for (let i = 0; i < verification.throttle.hitsPerCertificate; i += 25) {
      const batch = Array.from(
        { length: Math.min(25, verification.throttle.hitsPerCertificate - i) },
        () => get(path, newAddress()).then((response) => response.status)
      )
      statuses.push(...(await Promise.all(batch)))
    }
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      []
    )
    const refused = await get(path, newAddress())
    assert.equal(refused.status, 429)
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/)
    assert.equal(await statusOf(get(`/api/v1/verify/${tokenOf(other)}`, newAddress())), 200)
  })

  test('checking PDFs is limited per address before anything is hashed, on the page and the API alike', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const pdf = await issuedPdf(certificate)
    const checker = newAddress()
    const upload = () => {
      const form = new FormData()
      form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'certificate.pdf')
      return get('/api/v1/verify/pdf', checker, { method: 'POST', body: form })
    }
    for (let i = 0; i < verification.throttle.uploadsPerIp; i++) {
      assert.equal(await statusOf(upload()), 200, `upload ${i + 1}`)
    }
    const refused = await upload()
    assert.equal(refused.status, 429)
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/)
    // The web form shares the address's count (its CSRF secret rides in the guest cookie).
    const formPage = await get('/verify', checker)
    const cookie = cookieHeader(formPage)
    const csrf = /name='_csrf' value='([^']+)'/.exec(await formPage.text())?.[1]
    assert.exists(csrf)
    const form = new FormData()
    form.append('_csrf', csrf!)
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'certificate.pdf')
    const page = await get('/verify', checker, { method: 'POST', body: form, headers: { cookie } })
    assert.equal(page.status, 429)
    assert.include(await page.text(), 'files were checked from your network address')
  })
})

test.group('Verify at scale: no browser state for anonymous readers', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a first visit to a certificate, its PDF, the JSON API or /healthz sets no cookie', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    for (const [path, status] of [
      [`/v/${token}?via=qr`, 200],
      [`/v/${token}/pdf`, 200],
      [`/v/${generateToken()}`, 404],
      [`/api/v1/verify/${token}`, 200],
      [`/api/v1/verify/${generateToken()}`, 404],
      ['/api/v1/org', 401],
      ['/healthz', 200],
      ['/assets/vendor/htmx.min.js', 200],
    ] as const) {
      const response = await get(path, newAddress())
      assert.equal(response.status, status, path)
      assert.deepEqual(response.headers.getSetCookie(), [], path)
      // Shield does not run for these; the headers it would have sent still are.
      assert.include(response.headers.get('content-security-policy') ?? '', "default-src 'self'")
      assert.match(response.headers.get('strict-transport-security') ?? '', /^max-age=\d+/)
      assert.equal(response.headers.get('x-frame-options'), 'DENY')
    }
  })

  test('1,000 anonymous page views write no sessions row and no rate-limit row', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const sessionsBefore = await rowCount('sessions')
    const limitsBefore = await rowCount('rate_limits')
    const paths = [
      '/',
      '/login',
      '/signup',
      '/forgot-password',
      '/verify',
      `/v/${tokenOf(certificate)}`,
    ]
    const visitor = newAddress()
    for (let i = 0; i < 1000; i += 50) {
      const batch = Array.from({ length: 50 }, (_, j) => paths[(i + j) % paths.length])
      const statuses = await Promise.all(batch.map((path) => statusOf(get(path, visitor))))
      assert.deepEqual(
        statuses.filter((status) => status !== 200),
        [],
        `views ${i + 1}–${i + 50}`
      )
    }
    assert.equal(await rowCount('sessions'), sessionsBefore)
    assert.equal(await rowCount('rate_limits'), limitsBefore)
  })
})

test.group('Verify at scale: certificates kept in memory for a few seconds', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  const verifiedStatus = async (token: string) => {
    const response = await get(`/api/v1/verify/${token}`, newAddress())
    const body = (await response.json()) as { status?: string }
    return response.status === 200 ? body.status : response.status
  }

  test('"none found" is never kept: a certificate issued after its token was tried shows at once', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    // Still being drawn (as a worker in another process would leave it), then issued.
    await db.from('certificates').where('id', certificate.id).update({ status: 'pending' })
    assert.equal(await verifiedStatus(token), 404)
    await db.from('certificates').where('id', certificate.id).update({ status: 'issued' })
    assert.equal(await verifiedStatus(token), 'valid')
  })

  test('a change saved in this process shows on the next request; one written behind its back (as by another process) only when the copy expires', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const [certificate, other] = await givenIssued(org, { count: 2 })
    assert.equal(await verifiedStatus(tokenOf(certificate)), 'valid')
    assert.equal(await verifiedStatus(tokenOf(other)), 'valid')

    // Another process revoked it: this one shows its copy until VERIFICATION_CERTIFICATE_TTL_MS.
    await db
      .from('certificates')
      .where('id', other.id)
      .update({ status: 'revoked', revoked_at: new Date(), revocation_reason: 'elsewhere' })
    assert.equal(await verifiedStatus(tokenOf(other)), 'valid')

    // Revoked here, through the action: the next request shows it.
    const revoked = await RevokeCertificate.handle({
      org,
      certificateId: certificate.id,
      reason: 'Exam result annulled',
      actorUserId: owner.id,
    })
    assert.equal(revoked.kind, 'revoked')
    assert.equal(await verifiedStatus(tokenOf(certificate)), 'revoked')
  })

  test('the newest certificates are read ahead: a first scan reads no row, and what a change (seen by the feed, saved here, or made while the rows were read) touched is never served from them', async ({
    assert,
    cleanup,
  }) => {
    cleanup(() => forgetReadAhead())
    const { org, owner } = await givenOrg()
    const [ahead, seenByFeed, revokedHere, changedDuringRead] = await givenIssued(org, {
      count: 4,
    })

    // A change made while the rows are being read: read before it, it must not be kept.
    const reading = readAheadNow()
    forgetVerifiedCertificateHere(hashToken(tokenOf(changedDuringRead)))
    assert.isAtLeast(await reading, 3, 'the four, less the one changed during the read')

    // Renamed behind the process's back: the first scan shows the row read ahead, no query made.
    await renamed(ahead.id)
    assert.equal(await nameOf(tokenOf(ahead)), `valid ${ahead.recipientName}`)

    // The change feed read the change: the row read ahead is forgotten, the database read.
    const since = Date.now() - 60_000
    await renamed(seenByFeed.id)
    await pollVerificationChanges(since)
    assert.equal(await nameOf(tokenOf(seenByFeed)), 'valid Renamed Behind')

    // Revoked here: the next scan shows it.
    await RevokeCertificate.handle({
      org,
      certificateId: revokedHere.id,
      reason: 'Exam result annulled',
      actorUserId: owner.id,
    })
    assert.equal(await nameOf(tokenOf(revokedHere)), `revoked ${revokedHere.recipientName}`)

    await renamed(changedDuringRead.id)
    assert.equal(await nameOf(tokenOf(changedDuringRead)), 'valid Renamed Behind')
  })

  test('the job being scanned is read ahead: after eight scans of one job that each read the database, the rest of that job is served without a query, except what changed; a job scanned seven times is not read', async ({
    assert,
    cleanup,
  }) => {
    cleanup(() => forgetReadAhead())
    const { org, owner } = await givenOrg()
    const scanned = await givenIssued(org, { count: 12 })
    const other = await givenIssued(org, { count: 8 })

    // Seven scans of the other job read the database each time, and its rows are not read ahead.
    for (const certificate of other.slice(0, 7)) await nameOf(tokenOf(certificate))
    await jobsReadAhead()
    await renamed(other[7].id)
    assert.equal(await nameOf(tokenOf(other[7])), 'valid Renamed Behind')

    // The eighth scan of this job reads the rest of it ahead.
    for (const certificate of scanned.slice(0, 8)) await nameOf(tokenOf(certificate))
    await jobsReadAhead()
    const [behind, seenHere, revokedHere] = scanned.slice(8)
    await renamed(behind.id)
    await renamed(seenHere.id)
    // Renamed behind this process's back: the scan shows the row read ahead, no query made.
    assert.equal(await nameOf(tokenOf(behind)), `valid ${behind.recipientName}`)
    // A change this process is told of is never served from the rows read ahead.
    forgetVerifiedCertificateHere(hashToken(tokenOf(seenHere)))
    assert.equal(await nameOf(tokenOf(seenHere)), 'valid Renamed Behind')
    await RevokeCertificate.handle({
      org,
      certificateId: revokedHere.id,
      reason: 'Exam result annulled',
      actorUserId: owner.id,
    })
    assert.equal(await nameOf(tokenOf(revokedHere)), `revoked ${revokedHere.recipientName}`)
  })
})
