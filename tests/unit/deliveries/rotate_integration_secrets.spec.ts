import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { SecretKeyring, generateKeyringEntry } from '#core/services/secret_keyring'
import { TEST_KEYRING, deliverySecrets } from '#config/secrets'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import RotateIntegrationSecrets from '#deliveries/actions/rotate_integration_secrets'
import { secretPurpose } from '#deliveries/services/integration_secrets'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'

/*
| `node ace secrets:rotate` (RotateIntegrationSecrets): secrets saved under
| the suite's key are moved to a new key put first in the keyring, as an
| operator rotating DELIVERY_SECRETS_KEY does.
*/

/** A new key first, the suite's key after it (so the old rows still open). */
const rotatedKeyring = () => new SecretKeyring(`${generateKeyringEntry('next')},${TEST_KEYRING}`)

test.group('Rotating delivery integration secrets', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => allowOutbound('127.0.0.1'))

  test('every secret under an older key is re-encrypted under the new one, reads the same and keeps its "last changed"', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const integration = await givenSmtpIntegration(org, { password: 'old-key-password' })
    const before = await DeliveryIntegrationSecret.query()
      .where('integration_id', integration.id)
      .firstOrFail()
    assert.equal(before.keyId, deliverySecrets().currentKeyId)

    const keyring = rotatedKeyring()
    const result = await RotateIntegrationSecrets.handle({ keyring })
    assert.deepEqual(result, { keyId: 'next', rotated: 1, failures: [] })

    const after = await DeliveryIntegrationSecret.findOrFail(before.id)
    assert.equal(after.keyId, 'next')
    assert.isTrue(after.ciphertext.startsWith('next$'))
    assert.equal(
      keyring.decrypt(after.ciphertext, secretPurpose(integration.id, 'password')),
      'old-key-password'
    )
    assert.equal(after.updatedAt.toMillis(), before.updatedAt.toMillis())

    const again = await RotateIntegrationSecrets.handle({ keyring })
    assert.deepEqual(again, { keyId: 'next', rotated: 0, failures: [] }, 'nothing left to do')
  })

  test('a secret that cannot be read (altered, or its key gone) is reported and left as it is; the others rotate', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const readable = await givenSmtpIntegration(org, { password: 'fine', name: 'Fine' })
    const altered = await givenSmtpIntegration(org, {
      password: 'will-be-altered',
      name: 'Altered',
    })
    const row = await DeliveryIntegrationSecret.query()
      .where('integration_id', altered.id)
      .firstOrFail()
    // Another integration's ciphertext copied over: sealed for a different purpose.
    const other = await DeliveryIntegrationSecret.query()
      .where('integration_id', readable.id)
      .firstOrFail()
    await DeliveryIntegrationSecret.query()
      .where('id', row.id)
      .update({ ciphertext: other.ciphertext })

    const result = await RotateIntegrationSecrets.handle({
      keyring: rotatedKeyring(),
      batchSize: 1,
    })
    assert.equal(result.rotated, 1)
    assert.deepEqual(result.failures, [
      { secretId: row.id, integrationId: altered.id, secretType: 'password', code: 'rejected' },
    ])
    const untouched = await DeliveryIntegrationSecret.findOrFail(row.id)
    assert.equal(untouched.ciphertext, other.ciphertext)
    assert.equal(untouched.keyId, 'test')
  })
})
