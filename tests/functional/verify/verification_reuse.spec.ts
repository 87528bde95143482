import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { dbTimestamp } from '#core/services/database_time'
import { hashToken } from '#core/services/tokens'
import CertificateVerification from '#certificates/queries/verification'
import {
  forgetVerifiedCertificateHere,
  pollVerificationChanges,
} from '#certificates/services/verification_cache'
import { givenOrg } from '#tests/helpers/given'
import { givenIssued, tokenOf } from '#tests/helpers/verification'

/** Verifies a token after its cache entry lapsed (forgotten here), as a re-read some seconds later would. */
async function reread(token: string) {
  forgetVerifiedCertificateHere(hashToken(token))
  const verification = await CertificateVerification.byToken(token)
  if (!verification) throw new Error('the certificate was not found')
  return verification
}

test.group('Verification: a certificate read again', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an unchanged row is the same certificate, view and page; any change makes new ones', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Reuse Institute' })
    const [certificate] = await givenIssued(org)
    const token = tokenOf(certificate)

    const first = await reread(token)
    const again = await reread(token)
    assert.strictEqual(again.certificate, first.certificate)
    assert.strictEqual(again.view, first.view)
    assert.equal(first.view.status, 'valid')

    const page = await client.get(`/v/${token}`).header('x-forwarded-for', '198.51.100.70')
    page.assertStatus(200)
    assert.include(page.text(), 'Valid')

    // Changed behind the model's back (no save hook forgets it): the re-read sees it at once.
    await db
      .from('certificates')
      .where('id', certificate.id)
      .update({
        status: 'revoked',
        revoked_at: dbTimestamp(db.connection(), DateTime.fromISO('2026-04-02T09:30:00Z')),
        revocation_reason: 'Issued in error',
      })
    const revoked = await reread(token)
    assert.notStrictEqual(revoked.certificate, first.certificate)
    assert.equal(revoked.view.status, 'revoked')
    assert.equal(revoked.view.revocation_reason, 'Issued in error')

    forgetVerifiedCertificateHere(hashToken(token))
    const revokedPage = await client.get(`/v/${token}`).header('x-forwarded-for', '198.51.100.70')
    revokedPage.assertStatus(200)
    assert.include(revokedPage.text(), 'Issued in error')
    assert.notInclude(revokedPage.text(), 'linkedin.com')

    await db
      .from('certificates')
      .where('id', certificate.id)
      .update({ recipient_name: 'Asha Rao K' })
    const renamed = await reread(token)
    assert.notStrictEqual(renamed.certificate, revoked.certificate)
    assert.equal(renamed.view.recipient_name, 'Asha Rao K')
  })

  test('the change feed forgets what another host changed: the next read shows it', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Feed College' })
    const [certificate, untouched] = await givenIssued(org, { count: 2 })
    const token = tokenOf(certificate)
    const startedAt = DateTime.utc().minus({ seconds: 1 })
    const statusOf = async (of: string) => {
      const verification = await CertificateVerification.byToken(of)
      return verification?.view.status
    }
    assert.equal(await statusOf(token), 'valid')
    const untouchedBefore = await CertificateVerification.byToken(tokenOf(untouched))

    // Another host's revocation: written to the database, nothing said to this process.
    await db
      .from('certificates')
      .where('id', certificate.id)
      .update({
        status: 'revoked',
        revoked_at: dbTimestamp(db.connection(), DateTime.utc()),
        revocation_reason: 'Issued in error',
        updated_at: dbTimestamp(db.connection(), DateTime.utc().plus({ seconds: 1 })),
      })
    assert.equal(await statusOf(token), 'valid', 'kept until the feed is read')
    const read = await pollVerificationChanges(startedAt.plus({ seconds: 1 }).toMillis())
    assert.isAtLeast(read, 1)
    assert.equal(await statusOf(token), 'revoked')
    assert.strictEqual(
      await CertificateVerification.byToken(tokenOf(untouched)).then((v) => v?.certificate),
      untouchedBefore?.certificate,
      'what did not change stays kept'
    )
  })

  test('the change feed reads through many rows sharing one updated_at (a bulk expiry), page by page', async ({
    assert,
  }) => {
    const { org } = await givenOrg({ name: 'Bulk Expiry College' })
    const issued = await givenIssued(org, { count: 5 })
    for (const certificate of issued) await CertificateVerification.byToken(tokenOf(certificate))
    const at = DateTime.utc().plus({ seconds: 2 })
    // One bulk update: five rows with the very same updated_at, all now expired.
    await db
      .from('certificates')
      .whereIn(
        'id',
        issued.map((certificate) => certificate.id)
      )
      .update({ status: 'expired', updated_at: dbTimestamp(db.connection(), at) })
    const read = await pollVerificationChanges(at.minus({ seconds: 1 }).toMillis(), 2)
    assert.equal(read, 5, 'pages of two: 2 + 2 + 1')
    for (const certificate of issued) {
      const verification = await CertificateVerification.byToken(tokenOf(certificate))
      assert.equal(verification?.view.status, 'expired')
    }
  })
})
