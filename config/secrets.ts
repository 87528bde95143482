import { createHash } from 'node:crypto'
import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { InvalidKeyring, SecretKeyring } from '#core/services/secret_keyring'

/**
 * The keyring for secrets of delivery integrations (DELIVERY_SECRETS_KEY,
 * see app/core/services/secret_keyring.ts for its format). Built at first
 * use, not at boot: an install where no org configures an integration never
 * needs the key, and a bad value fails where a secret is saved or read.
 * Never derived from APP_KEY outside tests: the two are meant to leak and
 * rotate apart.
 */

/** Quoted in the error when the key is missing: prints a fresh keyring entry. */
export const GENERATE_KEY_COMMAND = `node -e "console.log('k1:' + require('node:crypto').randomBytes(32).toString('base64url'))"`

/** A fixed keyring for the test suites, so specs need no .env line; its key is public and worthless. */
export const TEST_KEYRING = `test:${createHash('sha256').update('authentix test delivery secrets').digest('base64url')}`

export class DeliverySecretsKeyMissing extends Error {
  constructor() {
    super(
      `DELIVERY_SECRETS_KEY is not set, so delivery integration secrets cannot be saved or read: ` +
        `set it to a keyring entry "<id>:<key>", such as the one printed by \`${GENERATE_KEY_COMMAND}\``
    )
    this.name = 'DeliverySecretsKeyMissing'
  }
}

/**
 * The keyring from the DELIVERY_SECRETS_KEY value: the fixed test keyring
 * when unset in tests, DeliverySecretsKeyMissing when unset elsewhere,
 * InvalidKeyring (naming the variable and the entry) when malformed.
 */
export function keyringFromEnv(configured: string | undefined, inTest: boolean): SecretKeyring {
  if (!configured && !inTest) throw new DeliverySecretsKeyMissing()
  try {
    return new SecretKeyring(configured || TEST_KEYRING)
  } catch (error) {
    if (!(error instanceof InvalidKeyring)) throw error
    throw new InvalidKeyring(`DELIVERY_SECRETS_KEY: ${error.message}`)
  }
}

let keyring: SecretKeyring | undefined

/** The delivery secrets keyring, built at first use (see keyringFromEnv for its failures). */
export function deliverySecrets(): SecretKeyring {
  // Tests always use the fixed test keyring, whatever a developer's .env holds (.env is loaded in tests too).
  keyring ??= keyringFromEnv(app.inTest ? undefined : env.get('DELIVERY_SECRETS_KEY'), app.inTest)
  return keyring
}
