import { createHash } from 'node:crypto'
import drive from '@adonisjs/drive/services/main'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import StoredFile, { DEFAULT_BUCKET, type FileKind } from '#core/models/stored_file'
import { InvalidStorageKeyError, isStorageKey } from '#core/services/storage_keys'

export interface StoreFileInput {
  orgId: string
  kind: FileKind
  /** Built with `storageKey()` for this org; anything else is refused. */
  key: string
  bytes: Uint8Array
  /** Detected from the content (`detectFileType`), not taken from the client. */
  mime: string
  originalName?: string | null
  createdBy?: string | null
}

/** Longest original name kept (the column is varchar(255)); only ever shown, never used as a path. */
const MAX_ORIGINAL_NAME = 255

export class StorageKeyTakenError extends Error {
  constructor(key: string) {
    super(`An object is already stored under "${key}"`)
    this.name = 'StorageKeyTakenError'
  }
}

export function sha256Hex(bytes: Uint8Array) {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * Writes an object to the Drive disk and registers it in `files`.
 *
 * The object is written first so a row never points at nothing (an existing
 * object under the key is refused, never overwritten); if the insert then fails (unique path,
 * rolled-back transaction, …) the object is deleted
 * again, best effort, and the error is rethrown. When a caller's transaction
 * rolls back later, the object stays behind unreferenced: callers that can
 * fail after this call should delete `file.path` on rollback.
 */
export default class StoreFile {
  static async handle(input: StoreFileInput, trx?: TransactionClientContract): Promise<StoredFile> {
    if (!isStorageKey(input.key, input.orgId)) {
      throw new InvalidStorageKeyError(`"${input.key}" is not a key of organization ${input.orgId}`)
    }

    const disk = drive.use()
    // Keys carry server-generated ids, so an existing object means a caller
    // reused a key: never overwrite bytes another row may point at.
    if (await disk.exists(input.key)) throw new StorageKeyTakenError(input.key)
    await disk.put(input.key, input.bytes)

    try {
      return await StoredFile.create(
        {
          organizationId: input.orgId,
          kind: input.kind,
          bucket: DEFAULT_BUCKET,
          path: input.key,
          mimeType: input.mime,
          sizeBytes: input.bytes.byteLength,
          originalName: input.originalName ? input.originalName.slice(0, MAX_ORIGINAL_NAME) : null,
          checksum: sha256Hex(input.bytes),
          createdBy: input.createdBy ?? null,
        },
        { client: trx }
      )
    } catch (error) {
      await disk.delete(input.key).catch(() => {})
      throw error
    }
  }
}
