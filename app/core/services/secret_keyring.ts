import { randomBytes } from 'node:crypto'
import { Encryption } from '@adonisjs/core/encryption'

/*
| Secrets stored by the app (delivery integrations' passwords, API keys,
| tokens) are encrypted under a keyring of their own, separate from APP_KEY,
| so the two can leak or be rotated apart.
|
| Keyring text:  `<id>:<key>,<id>:<key>,...`  the first entry encrypts, every
|                entry decrypts. Ids: 1-16 of `a-z 0-9 _ -`, unique. Keys:
|                base64url of at least 32 random bytes, each key once.
| Ciphertext:    `<id>$<AdonisJS ciphertext>`  the id names the key that
|                encrypted it, so a new key can be put first and the old rows
|                re-encrypted at leisure (`rotate`). The AdonisJS part is
|                `<data>.<iv>.<hmac>` (AES-256-CBC, then HMAC-SHA256), with the
|                purpose sealed inside it.
*/

const ID = /^[a-z0-9_-]{1,16}$/
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/
const MIN_KEY_BYTES = 32
const ID_SEPARATOR = '$'

export type SecretUndecryptableCode =
  /** Not `<id>$<ciphertext>`: not something this keyring wrote. */
  | 'malformed'
  /** Written under a key id that is not in the keyring (removed too early, or another install's). */
  | 'unknown_key'
  /** The key is known but the value does not open: altered, or sealed for another purpose (copied from elsewhere). */
  | 'rejected'

/**
 * A stored secret that cannot be read back. The message names the key id
 * and the purpose, never a key, the ciphertext or the plaintext.
 */
export class SecretUndecryptable extends Error {
  constructor(
    readonly code: SecretUndecryptableCode,
    message: string
  ) {
    super(message)
    this.name = 'SecretUndecryptable'
  }
}

/** The keyring text is unusable; the message names the entry (by position and id), never its key. */
export class InvalidKeyring extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidKeyring'
  }
}

/** A fresh keyring entry `<id>:<base64url of 32 random bytes>`; the id defaults to `k` and today's UTC date. */
export function generateKeyringEntry(id?: string): string {
  const keyId = id ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`
  if (!ID.test(keyId)) {
    throw new InvalidKeyring(`key id "${keyId}" must be 1 to 16 of a-z, 0-9, "_" and "-"`)
  }
  return `${keyId}:${randomBytes(MIN_KEY_BYTES).toString('base64url')}`
}

export class SecretKeyring {
  /** Insertion order is the keyring's order: the first key encrypts. */
  readonly #keys = new Map<string, Encryption>()
  readonly currentKeyId: string

  constructor(keyringText: string) {
    const entries = keyringText.split(',').map((entry) => entry.trim())
    if (entries.length === 1 && entries[0] === '') {
      throw new InvalidKeyring('the keyring is empty: expected "<id>:<key>", comma-separated')
    }
    const seenKeys = new Map<string, string>()
    entries.forEach((entry, index) => {
      const where = `entry ${index + 1}`
      if (entry === '') throw new InvalidKeyring(`${where} is empty (a stray comma?)`)
      const colon = entry.indexOf(':')
      // Without a colon the entry may be a bare key: it is never echoed back.
      if (colon === -1) throw new InvalidKeyring(`${where} has no ":" between its id and its key`)
      const id = entry.slice(0, colon).trim()
      const key = entry.slice(colon + 1).trim()
      if (!ID.test(id)) {
        throw new InvalidKeyring(
          `${where}: the key id must be 1 to 16 of a-z, 0-9, "_" and "-" (before the ":")`
        )
      }
      const named = `${where} ("${id}")`
      if (this.#keys.has(id)) throw new InvalidKeyring(`${named} repeats an id used earlier`)
      if (key === '') throw new InvalidKeyring(`${named} has no key after the ":"`)
      if (!BASE64URL.test(key)) {
        throw new InvalidKeyring(
          `${named}: the key is not base64url (letters, digits, "-" and "_")`
        )
      }
      const bytes = Buffer.from(key, 'base64url')
      if (bytes.length < MIN_KEY_BYTES) {
        throw new InvalidKeyring(
          `${named}: the key is ${bytes.length} bytes, at least ${MIN_KEY_BYTES} random bytes are needed`
        )
      }
      // Padding dropped, so `<key>=` and `<key>` are the same key.
      const normalized = bytes.toString('base64url')
      // The same key under two ids would let a row claim either id: a copy-paste slip.
      const sameKey = seenKeys.get(normalized)
      if (sameKey !== undefined) {
        throw new InvalidKeyring(`${named} has the same key as "${sameKey}"`)
      }
      seenKeys.set(normalized, id)
      this.#keys.set(id, new Encryption({ secret: normalized }))
    })
    this.currentKeyId = this.#keys.keys().next().value!
  }

  /** Every key id, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()]
  }

  /**
   * Encrypts under the current key. The purpose names where the value is
   * kept (`delivery_integration:<id>:smtp_password`): a ciphertext copied
   * into another row or field does not decrypt there.
   */
  encrypt(plaintext: string, purpose: string): string {
    assertPurpose(purpose)
    // AdonisJS reads an empty message back as a failure: an absent secret is stored as null instead.
    if (plaintext === '')
      throw new Error('an empty secret is not encrypted: store no value instead')
    const sealed = this.#keys.get(this.currentKeyId)!.encrypt(plaintext, undefined, purpose)
    return `${this.currentKeyId}${ID_SEPARATOR}${sealed}`
  }

  decrypt(ciphertext: string, purpose: string): string {
    assertPurpose(purpose)
    const id = this.keyIdOf(ciphertext)
    const encryption = this.#keys.get(id)
    if (!encryption) {
      throw new SecretUndecryptable(
        'unknown_key',
        `the secret for ${purpose} was encrypted with key "${id}", which is not in the keyring`
      )
    }
    const plaintext = encryption.decrypt<unknown>(ciphertext.slice(id.length + 1), purpose)
    if (typeof plaintext !== 'string') {
      throw new SecretUndecryptable(
        'rejected',
        `the secret for ${purpose} does not decrypt with key "${id}": it was altered or belongs to another purpose`
      )
    }
    return plaintext
  }

  /** The id of the key a ciphertext was written with (whether or not the keyring still holds it). */
  keyIdOf(ciphertext: string): string {
    const separator = ciphertext.indexOf(ID_SEPARATOR)
    const id = separator === -1 ? '' : ciphertext.slice(0, separator)
    if (!ID.test(id)) {
      throw new SecretUndecryptable(
        'malformed',
        'the stored secret does not start with "<key id>$"'
      )
    }
    return id
  }

  /** True when the ciphertext was not written with the current key. */
  needsRotation(ciphertext: string): boolean {
    return this.keyIdOf(ciphertext) !== this.currentKeyId
  }

  /**
   * The same secret under the current key. Always decrypts first, so a row
   * that cannot be read fails here rather than being carried along; one
   * already under the current key comes back unchanged.
   */
  rotate(ciphertext: string, purpose: string): string {
    const plaintext = this.decrypt(ciphertext, purpose)
    return this.needsRotation(ciphertext) ? this.encrypt(plaintext, purpose) : ciphertext
  }
}

function assertPurpose(purpose: string) {
  if (purpose.trim() === '') throw new Error('a secret is encrypted for a purpose: none was given')
}
