import drive from '@adonisjs/drive/services/main'
import { errors } from '@adonisjs/lucid'
import StoredFile from '#core/models/stored_file'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A file row of this org only: another org's id, an unknown id or one that is
 * not even a UUID (PostgreSQL would reject it as a uuid) is E_ROW_NOT_FOUND,
 * which the exception handler renders as 404.
 */
export async function findFileOfOrg(orgId: string, fileId: string) {
  if (!UUID.test(fileId)) throw new errors.E_ROW_NOT_FOUND(StoredFile)
  return StoredFile.query().where('organization_id', orgId).where('id', fileId).firstOrFail()
}

/** What `readDocument` needs of a file row of this org (the rest of the row is not read). */
export async function findDocumentOfOrg(orgId: string, fileId: string) {
  if (!UUID.test(fileId)) throw new errors.E_ROW_NOT_FOUND(StoredFile)
  return StoredFile.query()
    .select('id', 'organization_id', 'path', 'base_file_id')
    .where('organization_id', orgId)
    .where('id', fileId)
    .firstOrFail()
}

/** The row and its bytes from the Drive disk, loaded through the org. */
export async function readFileOfOrg(orgId: string, fileId: string) {
  const file = await findFileOfOrg(orgId, fileId)
  const bytes = await drive.use().getBytes(file.path)
  return { file, bytes }
}

/** Base bytes are immutable and shared by a chunk's certificates: the last few stay in memory. */
const bases = new Map<string, Uint8Array>()
const MAX_CACHED_BASES = 16

async function baseBytes(orgId: string, fileId: string) {
  const cached = bases.get(fileId)
  if (cached) return cached
  const { bytes } = await readFileOfOrg(orgId, fileId)
  bases.set(fileId, bytes)
  if (bases.size > MAX_CACHED_BASES) bases.delete(bases.keys().next().value!)
  return bytes
}

/**
 * The document a file row stands for: its own bytes, after its base's
 * bytes when it is stored as an incremental update (`base_file_id`).
 */
export async function readDocument(
  file: Pick<StoredFile, 'path' | 'baseFileId' | 'organizationId'>
): Promise<Uint8Array> {
  const own = await drive.use().getBytes(file.path)
  if (!file.baseFileId) return own
  const base = await baseBytes(file.organizationId, file.baseFileId)
  const out = new Uint8Array(base.length + own.length)
  out.set(base, 0)
  out.set(own, base.length)
  return out
}
