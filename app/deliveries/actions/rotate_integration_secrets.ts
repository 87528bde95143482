import db from '@adonisjs/lucid/services/db'
import { deliverySecrets } from '#config/secrets'
import { SecretUndecryptable, type SecretKeyring } from '#core/services/secret_keyring'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import { secretPurpose } from '#deliveries/services/integration_secrets'

export interface RotationFailure {
  secretId: string
  integrationId: string
  secretType: string
  code: SecretUndecryptable['code']
}

/**
 * `node ace secrets:rotate`: every integration secret not yet under the
 * keyring's current key is decrypted with its own key and encrypted again
 * with the current one (ARCHITECTURE.md "Secrets at rest"). Rows go in
 * batches, each in its own transaction; a row is written only if it still
 * holds the ciphertext read (a save in between already re-encrypted it), and
 * `updated_at` stays, since the secret itself did not change ("last changed"
 * on the form). A row that cannot be read is left as it is and reported.
 * Safe to run again: a run that finds nothing to do does nothing.
 */
export default class RotateIntegrationSecrets {
  static async handle(input: { keyring?: SecretKeyring; batchSize?: number } = {}) {
    const keyring = input.keyring ?? deliverySecrets()
    const batchSize = input.batchSize ?? 200
    const failures: RotationFailure[] = []
    let rotated = 0
    let after: string | null = null
    for (;;) {
      const query = DeliveryIntegrationSecret.query()
        .select('id', 'integration_id', 'secret_type', 'ciphertext')
        .whereNot('key_id', keyring.currentKeyId)
        .orderBy('id', 'asc')
        .limit(batchSize)
      // Past the rows already seen: those that failed stay under their old key.
      if (after) query.where('id', '>', after)
      const rows = await query
      if (rows.length === 0) break
      after = rows[rows.length - 1].id
      await db.transaction(async (trx) => {
        for (const row of rows) {
          let ciphertext: string
          try {
            ciphertext = keyring.rotate(
              row.ciphertext,
              secretPurpose(row.integrationId, row.secretType)
            )
          } catch (error) {
            if (!(error instanceof SecretUndecryptable)) throw error
            failures.push({
              secretId: row.id,
              integrationId: row.integrationId,
              secretType: row.secretType,
              code: error.code,
            })
            continue
          }
          const updated = await trx
            .from('delivery_integration_secrets')
            .where('id', row.id)
            .where('ciphertext', row.ciphertext)
            .update({ ciphertext, key_id: keyring.currentKeyId })
          if (Number(Array.isArray(updated) ? updated[0] : updated) > 0) rotated++
        }
      })
    }
    return { keyId: keyring.currentKeyId, rotated, failures }
  }
}
