import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Certificate, { type CertificateStatus } from '#certificates/models/certificate'

function certificateIn(status: CertificateStatus) {
  const certificate = new Certificate()
  certificate.merge({ id: '00000000-0000-7000-8000-000000000001', status })
  return certificate
}

test.group('Certificate lifecycle', () => {
  test('a valid or expired certificate can be revoked, with who, why and when', ({ assert }) => {
    for (const status of ['issued', 'expired'] as const) {
      const certificate = certificateIn(status)
      const at = DateTime.fromISO('2026-05-01T10:00:00Z')
      assert.deepEqual(certificate.revoke({ userId: 'u1', reason: 'Fraud', at }), { kind: 'ok' })
      assert.equal(certificate.status, 'revoked')
      assert.equal(certificate.revocationReason, 'Fraud')
      assert.equal(certificate.revokedBy, 'u1')
      assert.equal(certificate.revokedAt!.toISO(), at.toISO())
    }
  })

  test('a revoked, superseded or pending certificate cannot be revoked and is left as it was', ({
    assert,
  }) => {
    for (const status of ['revoked', 'superseded', 'pending'] as const) {
      const certificate = certificateIn(status)
      assert.deepEqual(certificate.revoke({ userId: null, reason: 'x' }), {
        kind: 'not_in_force',
        status,
      })
      assert.equal(certificate.status, status)
      assert.isUndefined(certificate.revocationReason)
    }
  })

  test('only a certificate in force can be superseded by its reissue', ({ assert }) => {
    const replacement = certificateIn('issued')
    replacement.id = '00000000-0000-7000-8000-000000000002'
    const expired = certificateIn('expired')
    assert.deepEqual(expired.supersedeBy(replacement), { kind: 'ok' })
    assert.equal(expired.status, 'superseded')
    assert.equal(expired.supersededByCertificateId, replacement.id)
    assert.deepEqual(expired.supersedeBy(replacement), {
      kind: 'not_in_force',
      status: 'superseded',
    })
    assert.equal(certificateIn('revoked').supersedeBy(replacement).kind, 'not_in_force')
  })

  test('which status may follow which', ({ assert }) => {
    assert.isTrue(certificateIn('pending').canBecome('issued'))
    assert.isTrue(certificateIn('issued').canBecome('expired'))
    assert.isFalse(certificateIn('expired').canBecome('issued'))
    assert.isFalse(certificateIn('revoked').canBecome('expired'))
    assert.isFalse(certificateIn('superseded').canBecome('revoked'))
    assert.isTrue(certificateIn('issued').isInForce)
    assert.isTrue(certificateIn('expired').isInForce)
    assert.isFalse(certificateIn('pending').isInForce)
  })
})
