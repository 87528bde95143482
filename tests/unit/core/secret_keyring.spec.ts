import { inspect } from 'node:util'
import { test } from '@japa/runner'
import {
  InvalidKeyring,
  SecretKeyring,
  SecretUndecryptable,
  generateKeyringEntry,
  type SecretUndecryptableCode,
} from '#core/services/secret_keyring'
import {
  DeliverySecretsKeyMissing,
  GENERATE_KEY_COMMAND,
  deliverySecrets,
  keyringFromEnv,
} from '#config/secrets'

const OLD_KEY = Buffer.alloc(32, 7).toString('base64url')
const NEW_KEY = Buffer.alloc(32, 9).toString('base64url')
const OLD = `old:${OLD_KEY}`
const NEW = `new:${NEW_KEY}`
const PURPOSE = 'delivery_integration:42:smtp_password'
const PASSWORD = 'hunter2-smtp-Pässwörd'

/** Runs `attempt`, expects a SecretUndecryptable with `code`, and returns its message. */
function undecryptable(attempt: () => unknown, code: SecretUndecryptableCode): string {
  try {
    attempt()
  } catch (error) {
    if (!(error instanceof SecretUndecryptable)) throw error
    if (error.code !== code)
      throw new Error(`expected code ${code}, got ${error.code}: ${error.message}`)
    return error.message
  }
  throw new Error(`expected SecretUndecryptable (${code}), nothing was thrown`)
}

/** Builds a keyring from `keyringText`, expects an InvalidKeyring, and returns its message. */
function refused(keyringText: string): string {
  try {
    new SecretKeyring(keyringText)
  } catch (error) {
    if (!(error instanceof InvalidKeyring)) throw error
    return error.message
  }
  throw new Error(`expected the keyring to be refused: ${keyringText}`)
}

/** Flips one character in the middle of the encrypted data (after `<id>$`). */
function tamper(ciphertext: string): string {
  const at = ciphertext.indexOf('$') + 5
  const flipped = ciphertext[at] === 'A' ? 'B' : 'A'
  return ciphertext.slice(0, at) + flipped + ciphertext.slice(at + 1)
}

test.group('SecretKeyring', () => {
  test('a secret encrypted for a purpose decrypts for that purpose', ({ assert }) => {
    const keyring = new SecretKeyring(OLD)
    const ciphertext = keyring.encrypt(PASSWORD, PURPOSE)
    assert.equal(keyring.decrypt(ciphertext, PURPOSE), PASSWORD)
    assert.equal(keyring.keyIdOf(ciphertext), 'old')
    assert.isTrue(ciphertext.startsWith('old$'))
  })

  test('any non-empty string comes back as the same string', ({ assert }) => {
    const keyring = new SecretKeyring(OLD)
    const secrets = [
      '0',
      '123',
      'true',
      'null',
      '{"a":1}',
      '2026-12-06T00:00:00.000Z',
      'a$b.c',
      ' spaced ',
      'x'.repeat(5000),
    ]
    for (const secret of secrets) {
      assert.strictEqual(keyring.decrypt(keyring.encrypt(secret, PURPOSE), PURPOSE), secret)
    }
  })

  test('the ciphertext contains neither the plaintext nor the key, and differs each time', ({
    assert,
  }) => {
    const keyring = new SecretKeyring(OLD)
    const first = keyring.encrypt(PASSWORD, PURPOSE)
    const second = keyring.encrypt(PASSWORD, PURPOSE)
    assert.notEqual(first, second)
    for (const ciphertext of [first, second]) {
      assert.notInclude(ciphertext, PASSWORD)
      assert.notInclude(ciphertext, 'hunter2')
      assert.notInclude(ciphertext, Buffer.from(PASSWORD).toString('base64url'))
      assert.notInclude(ciphertext, OLD_KEY)
      assert.notInclude(ciphertext, PURPOSE)
    }
  })

  test('a tampered ciphertext is rejected with a message free of secrets', ({ assert }) => {
    const keyring = new SecretKeyring(OLD)
    const ciphertext = keyring.encrypt(PASSWORD, PURPOSE)
    const message = undecryptable(() => keyring.decrypt(tamper(ciphertext), PURPOSE), 'rejected')
    assert.include(message, '"old"')
    assert.notInclude(message, PASSWORD)
    assert.notInclude(message, OLD_KEY)
    assert.notInclude(message, ciphertext)
    // Cut short, or its parts swapped: rejected too.
    undecryptable(() => keyring.decrypt(ciphertext.slice(0, -4), PURPOSE), 'rejected')
    const [data, iv, mac] = ciphertext.slice(4).split('.')
    undecryptable(() => keyring.decrypt(`old$${iv}.${data}.${mac}`, PURPOSE), 'rejected')
  })

  test('a ciphertext copied to another purpose does not decrypt there', ({ assert }) => {
    const keyring = new SecretKeyring(OLD)
    const ciphertext = keyring.encrypt(PASSWORD, PURPOSE)
    const message = undecryptable(
      () => keyring.decrypt(ciphertext, 'delivery_integration:43:smtp_password'),
      'rejected'
    )
    assert.include(message, 'delivery_integration:43:smtp_password')
    assert.notInclude(message, PASSWORD)
    undecryptable(() => keyring.decrypt(ciphertext, 'delivery_integration:42:api_key'), 'rejected')
  })

  test('a ciphertext under a key id the keyring lacks fails as unknown_key', ({ assert }) => {
    const ciphertext = new SecretKeyring(OLD).encrypt(PASSWORD, PURPOSE)
    const message = undecryptable(
      () => new SecretKeyring(NEW).decrypt(ciphertext, PURPOSE),
      'unknown_key'
    )
    assert.include(message, '"old"')
    assert.notInclude(message, PASSWORD)
    assert.notInclude(message, OLD_KEY)
    assert.notInclude(message, NEW_KEY)
  })

  test('a ciphertext relabelled with another key id of the keyring is rejected', () => {
    const keyring = new SecretKeyring(`${NEW},${OLD}`)
    const ciphertext = new SecretKeyring(OLD).encrypt(PASSWORD, PURPOSE)
    undecryptable(() => keyring.decrypt(`new$${ciphertext.slice(4)}`, PURPOSE), 'rejected')
  })

  test('a value without a key id is malformed', () => {
    const keyring = new SecretKeyring(OLD)
    const ciphertext = keyring.encrypt(PASSWORD, PURPOSE)
    undecryptable(() => keyring.decrypt(ciphertext.slice(4), PURPOSE), 'malformed')
    undecryptable(() => keyring.decrypt(PASSWORD, PURPOSE), 'malformed')
    undecryptable(() => keyring.keyIdOf(`Old$${ciphertext.slice(4)}`), 'malformed')
    undecryptable(() => keyring.needsRotation(''), 'malformed')
  })

  test('with a new key put first, old ciphertexts still decrypt and new ones use the new key', ({
    assert,
  }) => {
    const before = new SecretKeyring(OLD).encrypt(PASSWORD, PURPOSE)
    const keyring = new SecretKeyring(`${NEW},${OLD}`)
    assert.equal(keyring.currentKeyId, 'new')
    assert.deepEqual(keyring.keyIds, ['new', 'old'])
    assert.equal(keyring.decrypt(before, PURPOSE), PASSWORD)
    const after = keyring.encrypt(PASSWORD, PURPOSE)
    assert.equal(keyring.keyIdOf(after), 'new')
    assert.isTrue(keyring.needsRotation(before))
    assert.isFalse(keyring.needsRotation(after))
  })

  test('rotate moves an old ciphertext to the current key; one already there comes back unchanged', ({
    assert,
  }) => {
    const before = new SecretKeyring(OLD).encrypt(PASSWORD, PURPOSE)
    const keyring = new SecretKeyring(`${NEW},${OLD}`)
    const rotated = keyring.rotate(before, PURPOSE)
    assert.equal(keyring.keyIdOf(rotated), 'new')
    assert.isFalse(keyring.needsRotation(rotated))
    // Once every row is rotated the old key can leave the keyring.
    assert.equal(new SecretKeyring(NEW).decrypt(rotated, PURPOSE), PASSWORD)
    assert.equal(keyring.rotate(rotated, PURPOSE), rotated)
  })

  test('rotate refuses what it cannot read rather than carrying it along', () => {
    const keyring = new SecretKeyring(`${NEW},${OLD}`)
    const before = new SecretKeyring(OLD).encrypt(PASSWORD, PURPOSE)
    undecryptable(() => keyring.rotate(before, 'delivery_integration:43:smtp_password'), 'rejected')
    undecryptable(
      () => keyring.rotate(tamper(keyring.encrypt(PASSWORD, PURPOSE)), PURPOSE),
      'rejected'
    )
  })

  test('an empty secret or an empty purpose is refused at encryption', ({ assert }) => {
    const keyring = new SecretKeyring(OLD)
    assert.throws(() => keyring.encrypt('', PURPOSE), /empty secret/)
    assert.throws(() => keyring.encrypt(PASSWORD, ' '), /purpose/)
  })

  test('malformed keyring texts are refused, naming the entry and never its key', ({ assert }) => {
    assert.match(refused(''), /keyring is empty/)
    assert.match(refused('   '), /keyring is empty/)
    assert.match(refused(`${OLD},`), /entry 2 is empty/)
    assert.match(refused(`${OLD},${OLD}`), /entry 2 \("old"\) repeats an id/)
    assert.match(refused(`${OLD},Old:${NEW_KEY}`), /entry 2: the key id must be/)
    assert.match(refused(`${OLD},o$d:${NEW_KEY}`), /entry 2: the key id must be/)
    assert.match(refused(`${OLD},${'k'.repeat(17)}:${NEW_KEY}`), /entry 2: the key id must be/)
    assert.match(refused(`:${NEW_KEY}`), /entry 1: the key id must be/)
    assert.match(refused('old:'), /entry 1 \("old"\) has no key/)
    assert.match(refused(`${OLD},new:${NEW_KEY}+/`), /entry 2 \("new"\): the key is not base64url/)
    assert.match(
      refused(`new:${NEW_KEY},${OLD},again:${OLD_KEY}`),
      /entry 3 \("again"\) has the same key as "old"/
    )
    const short = Buffer.alloc(31, 1).toString('base64url')
    const shortMessage = refused(`${OLD},new:${short}`)
    assert.match(shortMessage, /entry 2 \("new"\): the key is 31 bytes, at least 32/)
    assert.notInclude(shortMessage, short)
    const bare = refused(`${OLD},${NEW_KEY}`)
    assert.match(bare, /entry 2 has no ":"/)
    assert.notInclude(bare, NEW_KEY)
  })

  test('entries and spaces around commas are trimmed; padded base64url is accepted', ({
    assert,
  }) => {
    const keyring = new SecretKeyring(` new:${NEW_KEY}= , old:${OLD_KEY} `)
    assert.deepEqual(keyring.keyIds, ['new', 'old'])
    const ciphertext = keyring.encrypt(PASSWORD, PURPOSE)
    assert.equal(new SecretKeyring(NEW).decrypt(ciphertext, PURPOSE), PASSWORD)
  })

  test('generated entries parse, carry 32 random bytes and differ each time', ({ assert }) => {
    const entry = generateKeyringEntry('primary')
    const [id, key] = entry.split(':')
    assert.equal(id, 'primary')
    assert.lengthOf(Buffer.from(key, 'base64url'), 32)
    assert.notEqual(generateKeyringEntry('primary'), entry)
    const dated = generateKeyringEntry()
    assert.match(dated, /^k\d{8}:[A-Za-z0-9_-]{43}$/)
    const keyring = new SecretKeyring(`${entry},${dated}`)
    assert.equal(keyring.decrypt(keyring.encrypt(PASSWORD, PURPOSE), PURPOSE), PASSWORD)
    assert.throws(() => generateKeyringEntry('Primary'), InvalidKeyring)
  })

  test('the keyring is not revealed by inspecting or serializing it', ({ assert }) => {
    const keyring = new SecretKeyring(`${NEW},${OLD}`)
    const shown = `${JSON.stringify(keyring)} ${inspect(keyring, { depth: 10 })}`
    assert.notInclude(shown, NEW_KEY)
    assert.notInclude(shown, OLD_KEY)
  })

  test('the test environment has a delivery secrets keyring without configuration', ({
    assert,
  }) => {
    const keyring = deliverySecrets()
    assert.strictEqual(deliverySecrets(), keyring)
    assert.equal(keyring.decrypt(keyring.encrypt(PASSWORD, PURPOSE), PURPOSE), PASSWORD)
  })

  test('outside tests a missing DELIVERY_SECRETS_KEY fails at first use with the command that makes one', ({
    assert,
  }) => {
    assert.throws(() => keyringFromEnv(undefined, false), DeliverySecretsKeyMissing)
    assert.throws(() => keyringFromEnv('', false), /DELIVERY_SECRETS_KEY is not set/)
    assert.throws(() => keyringFromEnv(undefined, false), GENERATE_KEY_COMMAND)
    assert.deepEqual(keyringFromEnv(`${NEW},${OLD}`, false).keyIds, ['new', 'old'])
  })

  test('a malformed DELIVERY_SECRETS_KEY is refused naming the variable and the entry', ({
    assert,
  }) => {
    assert.throws(
      () => keyringFromEnv(`${OLD},old:${NEW_KEY}`, false),
      /^DELIVERY_SECRETS_KEY: entry 2 \("old"\) repeats/
    )
    assert.throws(() => keyringFromEnv('short:abc', true), InvalidKeyring)
  })
})
