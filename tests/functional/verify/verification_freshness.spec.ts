import { test } from '@japa/runner'
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import app from '@adonisjs/core/services/app'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import type { ApiClient } from '@japa/api-client'
import type Organization from '#orgs/models/organization'
import type User from '#identity/models/user'
import BrandingAsset from '#templates/models/branding_asset'
import VerificationEvent from '#certificates/models/verification_event'
import RevokeCertificate from '#certificates/actions/revoke_certificate'
import { verificationIpHash } from '#certificates/actions/record_verification_event'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { signaturePng } from '#tests/helpers/given_templates'
import { bytesOf } from '#tests/helpers/binary'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import { flushVerificationEvents, givenIssued, tokenOf } from '#tests/helpers/verification'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** What the verification page says about its issuer: the name and whether a logo is shown. */
async function issuerOnPage(client: ApiClient, token: string) {
  const response = await client.get(`/v/${token}`).header('x-forwarded-for', '198.51.100.30')
  response.assertStatus(200)
  const html = response.text()
  return {
    name: /<p class="verify-issuer-name"><bdi>([^<]*)<\/bdi><\/p>/.exec(html)?.[1] ?? null,
    logo: html.includes(`<img src="/v/${token}/logo"`),
  }
}

/** The logo served at /v/:token/logo, as the SHA-256 of its bytes (null for the 404). */
async function servedLogo(client: ApiClient, token: string) {
  const response = await client.get(`/v/${token}/logo`).header('x-forwarded-for', '198.51.100.30')
  return response.status() === 200 ? sha256(bytesOf(response)) : null
}

/** Settings → Branding, as the owner uploads an image. */
async function uploadLogo(client: ApiClient, owner: User, org: Organization, bytes: Uint8Array) {
  const response = await actingAs(
    client
      .post('/settings/branding')
      .file('file', Buffer.from(bytes), { filename: 'logo.png' })
      .field('name', 'Academy logo')
      .field('asset_type', 'logo')
      .withCsrfToken()
      .redirects(0),
    owner,
    org
  )
  response.assertStatus(302)
  const asset = await BrandingAsset.query()
    .where('organization_id', org.id)
    .where('asset_type', 'logo')
    .whereNull('deleted_at')
    .preload('file')
    .firstOrFail()
  return asset
}

async function renameOrg(client: ApiClient, owner: User, org: Organization, name: string) {
  const response = await actingAs(
    client
      .put('/settings/organization')
      .form({
        name,
        business_name: '',
        email: '',
        phone: '',
        slug: org.slug,
        industry_id: org.industryId ?? '',
        address_line1: '',
        address_line2: '',
        city: '',
        state: '',
        postal_code: '',
        country: 'IN',
        gstin: '',
        certificate_number_prefix: org.certificateNumberPrefix,
        certificate_number_format: org.certificateNumberFormat,
      })
      .withCsrfToken()
      .redirects(0),
    owner,
    org
  )
  response.assertStatus(302)
}

test.group('Verify: what the page shows is current', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a new logo, a removed logo and a new name show on the very next view (the issuer is cached per process)', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Old Name Academy' })
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    assert.deepEqual(await issuerOnPage(client, token), { name: 'Old Name Academy', logo: false })
    // Read twice: the second view is served from the cache.
    assert.deepEqual(await issuerOnPage(client, token), { name: 'Old Name Academy', logo: false })
    assert.isNull(await servedLogo(client, token))

    const first = await uploadLogo(client, owner, org, signaturePng(300, 100))
    assert.deepEqual(await issuerOnPage(client, token), { name: 'Old Name Academy', logo: true })
    assert.equal(await servedLogo(client, token), first.file.checksum)

    const removed = await actingAs(
      client.delete(`/settings/branding/${first.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    removed.assertStatus(302)
    assert.deepEqual(await issuerOnPage(client, token), { name: 'Old Name Academy', logo: false })
    assert.isNull(await servedLogo(client, token))

    const second = await uploadLogo(client, owner, org, signaturePng(420, 140))
    assert.notEqual(second.file.checksum, first.file.checksum)
    assert.equal(await servedLogo(client, token), second.file.checksum)

    await renameOrg(client, owner, org, 'New Name Institute')
    assert.deepEqual(await issuerOnPage(client, token), { name: 'New Name Institute', logo: true })
    const json = await client
      .get(`/api/v1/verify/${token}`)
      .header('x-forwarded-for', '198.51.100.31')
    assert.equal(json.body().issuer.name, 'New Name Institute')
  })

  test('a revocation shows on the next request, on the page and in the API, and the views record what each showed', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)
    const statusOf = async () => {
      const response = await client.get(`/v/${token}`).header('x-forwarded-for', '203.0.113.50')
      return /data-status="([a-z_]+)"/.exec(response.text())?.[1]
    }
    const apiStatus = async () => {
      const response = await client
        .get(`/api/v1/verify/${token}`)
        .header('x-forwarded-for', '203.0.113.51')
      return response.body().status
    }
    assert.equal(await statusOf(), 'valid')
    assert.equal(await apiStatus(), 'valid')
    const revoked = await RevokeCertificate.handle({
      org,
      certificateId: certificate.id,
      reason: 'Exam result annulled',
      actorUserId: owner.id,
    })
    assert.equal(revoked.kind, 'revoked')
    assert.equal(await statusOf(), 'revoked')
    assert.equal(await apiStatus(), 'revoked')

    await flushVerificationEvents()
    const events = await VerificationEvent.query()
      .where('certificate_id', certificate.id)
      .orderBy('scanned_at', 'asc')
    assert.sameDeepMembers(
      events.map((e) => [e.source, e.statusSnapshot, e.ipHash]),
      [
        ['link', 'valid', verificationIpHash('203.0.113.50')],
        ['api', 'valid', verificationIpHash('203.0.113.51')],
        ['link', 'revoked', verificationIpHash('203.0.113.50')],
        ['api', 'revoked', verificationIpHash('203.0.113.51')],
      ]
    )
  })
})

async function freePort() {
  return new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.exitCode)
      : child.once('exit', (code) => resolve(code))
  )

// Committed data: the server is another process, outside this one's transactions.
test.group('Verify: views waiting in memory when the server stops', (group) => {
  const orgs: Organization[] = []
  const servers: ChildProcess[] = []
  group.each.teardown(async () => {
    for (const server of servers.splice(0)) {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL')
      await exited(server)
    }
    for (const org of orgs.splice(0)) await removeOrgData(org.id)
  })

  test('are written when it receives SIGTERM, before it exits', async ({ assert }) => {
    const { org } = await givenOrg()
    orgs.push(org)
    const [certificate] = await givenIssued(org)
    const port = await freePort()
    let output = ''
    // bin/server.ts, as `npm start` runs it, against the test database; views wait up to ten minutes.
    const server = spawn(
      process.execPath,
      ['--import', 'ts-node-maintained/register/esm', 'bin/server.ts'],
      {
        cwd: app.makePath(),
        env: {
          ...process.env,
          HOST: '127.0.0.1',
          PORT: String(port),
          QUEUE_WORKER: 'off',
          VERIFICATION_EVENTS_FLUSH_MS: '600000',
          VERIFICATION_EVENTS_BATCH_SIZE: '1000',
          // As in production: on SQLite the batch goes through the writer thread, which the stop waits for.
          VERIFICATION_EVENTS_WRITER: 'thread',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    servers.push(server)
    server.stdout!.on('data', (chunk) => (output += chunk))
    server.stderr!.on('data', (chunk) => (output += chunk))
    const url = `http://127.0.0.1:${port}`
    for (let i = 0; i < 600; i++) {
      const ready = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false
      )
      if (ready) break
      if (server.exitCode !== null) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.isNull(server.exitCode, output)

    const token = tokenOf(certificate)
    for (const path of [`/v/${token}?via=qr`, `/v/${token}`, `/v/${token}`]) {
      const response = await fetch(`${url}${path}`, { headers: { 'user-agent': 'Phone/2.0' } })
      assert.equal(response.status, 200, path)
      await response.text()
    }
    const json = await fetch(`${url}/api/v1/verify/${token}`)
    assert.equal(json.status, 200)
    await json.text()
    const count = async () => {
      const row = await db
        .from('certificate_verification_events')
        .where('certificate_id', certificate.id)
        .count('* as n')
        .first()
      return Number(row.n)
    }
    assert.equal(await count(), 0, 'still waiting in the server’s memory')

    server.kill('SIGTERM')
    assert.equal(await exited(server), 0, output)
    const events = await db
      .from('certificate_verification_events')
      .where('certificate_id', certificate.id)
      .select('source', 'status_snapshot', 'user_agent')
    assert.sameDeepMembers(
      events.map((e) => [e.source, e.status_snapshot]),
      [
        ['qr', 'valid'],
        ['link', 'valid'],
        ['link', 'valid'],
        ['api', 'valid'],
      ]
    )
    assert.includeMembers(
      events.map((e) => e.user_agent),
      ['Phone/2.0']
    )
  }).timeout(180_000)
})
