import { fileURLToPath } from 'node:url'
import drive from '@adonisjs/drive/services/main'
import { FSDriver } from '@adonisjs/drive/drivers/fs'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import StoredFile, { DEFAULT_BUCKET, type FileKind } from '#core/models/stored_file'
import { bulkInsert } from '#core/services/bulk_insert'
import { InvalidStorageKeyError, isStorageKey } from '#core/services/storage_keys'
import { writeLocalObjects } from '#core/services/local_object_writer'
import { dbTimestamp } from '#core/services/database_time'

/**
 * Many objects at once, for generated artifacts whose keys are derived
 * from ids (a retried chunk writes the same bytes to the same keys). The
 * objects go to the disk first, then `registerFiles` writes their rows in
 * the caller's transaction, so a row never points at nothing. Unlike
 * `StoreFile`, an existing object is overwritten: with deterministic keys an
 * object without a row is a leftover of an attempt that did not commit, and
 * an object with a row is only ever rewritten with the same bytes.
 */

export interface ObjectToStore {
  orgId: string
  key: string
  bytes: Uint8Array
}

export async function putObjects(objects: ObjectToStore[], concurrency = 16) {
  for (const object of objects) {
    if (!isStorageKey(object.key, object.orgId))
      throw new InvalidStorageKeyError(
        `"${object.key}" is not a key of organization ${object.orgId}`
      )
  }
  const disk = drive.use()
  // The local disk: written by one thread, not as hundreds of callbacks on this event loop (see
  // local_object_writer.ts).
  if (disk.driver instanceof FSDriver) {
    const location = disk.driver.options.location
    return writeLocalObjects(
      typeof location === 'string' ? location : fileURLToPath(location),
      objects
    )
  }
  let next = 0
  const lanes = Array.from({ length: Math.min(concurrency, objects.length) }, async () => {
    while (next < objects.length) {
      const object = objects[next++]
      await disk.put(object.key, object.bytes)
    }
  })
  await Promise.all(lanes)
}

/** Removes objects (best effort for each; missing ones are fine). */
export async function deleteObjects(keys: string[]) {
  const disk = drive.use()
  await Promise.all(keys.map((key) => disk.delete(key).catch(() => {})))
}

/** Every key under a prefix (`certificates/<org>/<job>/`), for the orphan sweep. */
export async function listObjectKeys(prefix: string): Promise<string[]> {
  const { objects } = await drive.use().listAll(prefix, { recursive: true })
  const keys: string[] = []
  for (const object of objects) if (object.isFile) keys.push(object.key)
  return keys
}

/**
 * When each of these objects was last written (one metadata call each: ask for the few that
 * matter); gone ones are left out.
 */
export async function lastModifiedOf(keys: string[]): Promise<Map<string, Date>> {
  const disk = drive.use()
  const out = new Map<string, Date>()
  for (const key of keys) {
    const metadata = await disk.getMetaData(key).catch(() => null)
    if (metadata) out.set(key, metadata.lastModified)
  }
  return out
}

export interface FileRecord {
  id: string
  orgId: string
  kind: FileKind
  key: string
  mime: string
  /** Bytes of the stored object. */
  size: number
  /** SHA-256 of the document the row stands for. */
  checksum: string
  baseFileId?: string | null
  originalName?: string | null
  createdBy?: string | null
}

const FILE_COLUMNS = [
  { name: 'id', pg: 'uuid' },
  { name: 'organization_id', pg: 'uuid' },
  { name: 'kind', pg: 'text' },
  { name: 'bucket', pg: 'text' },
  { name: 'path', pg: 'text' },
  { name: 'mime_type', pg: 'text' },
  { name: 'size_bytes', pg: 'bigint' },
  { name: 'original_name', pg: 'text' },
  { name: 'checksum', pg: 'text' },
  { name: 'base_file_id', pg: 'uuid' },
  { name: 'created_by', pg: 'uuid' },
  { name: 'created_at', pg: 'timestamptz' },
] as const

/** The `files` rows of objects already put, in one statement; a path registered before is left as it is. */
export async function registerFiles(client: QueryClientContract, records: FileRecord[]) {
  const now = dbTimestamp(client)
  await bulkInsert(
    client,
    'files',
    [...FILE_COLUMNS],
    records.map((record) => ({
      id: record.id,
      organization_id: record.orgId,
      kind: record.kind,
      bucket: DEFAULT_BUCKET,
      path: record.key,
      mime_type: record.mime,
      size_bytes: record.size,
      original_name: record.originalName ?? null,
      checksum: record.checksum,
      base_file_id: record.baseFileId ?? null,
      created_by: record.createdBy ?? null,
      created_at: now,
    })),
    { onConflictDoNothing: 'bucket, path' }
  )
}

/**
 * A file built on local disk (an export) put at its key and registered;
 * a rebuilt export replaces the object and updates its row.
 */
export async function storeBuiltFile(input: {
  orgId: string
  kind: FileKind
  key: string
  localPath: string
  mime: string
  size: number
  checksum: string
  createdBy?: string | null
}) {
  if (!isStorageKey(input.key, input.orgId))
    throw new InvalidStorageKeyError(`"${input.key}" is not a key of organization ${input.orgId}`)
  const { createReadStream } = await import('node:fs')
  await drive.use().putStream(input.key, createReadStream(input.localPath))
  const existing = await StoredFile.query()
    .where('organization_id', input.orgId)
    .where('path', input.key)
    .first()
  if (existing) {
    existing.merge({ sizeBytes: input.size, checksum: input.checksum, mimeType: input.mime })
    await existing.save()
    return existing
  }
  return StoredFile.create({
    organizationId: input.orgId,
    kind: input.kind,
    bucket: DEFAULT_BUCKET,
    path: input.key,
    mimeType: input.mime,
    sizeBytes: input.size,
    originalName: null,
    checksum: input.checksum,
    createdBy: input.createdBy ?? null,
  })
}
