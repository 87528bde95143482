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

/** The row and its bytes from the Drive disk, loaded through the org. */
export async function readFileOfOrg(orgId: string, fileId: string) {
  const file = await findFileOfOrg(orgId, fileId)
  const bytes = await drive.use().getBytes(file.path)
  return { file, bytes }
}
