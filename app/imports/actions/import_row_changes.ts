import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { AuditInput } from '#core/actions/record_audit'
import { auditInOrg } from '#orgs/actions/org_audit'
import type Organization from '#orgs/models/organization'
import type FileImportJob from '#imports/models/file_import_job'
import OrgImports from '#imports/queries/org_imports'
import { editableImport, type EditableImport } from '#imports/queries/import_rules'
import { recount } from '#imports/services/import_rows_store'
import { refreshDuplicates } from '#imports/services/row_editing'

/*
 * The steps every change to an import's rows shares (adding, editing,
 * deleting): the job locked and not being read, duplicates re-marked for
 * the keys touched, the counts recounted from the rows, the change audited,
 * all in one transaction.
 */

type Ready = Extract<EditableImport, { kind: 'ok' }>

/**
 * Runs `write` in a transaction on the import, locked, when its rows can be
 * edited: it exists, its templates still do, and no read is running (checked
 * again under the lock: a re-read started since would replace the rows).
 */
export async function withEditableImport<R>(
  org: Organization,
  importId: unknown,
  write: (job: FileImportJob, rules: Ready['rules'], trx: TransactionClientContract) => Promise<R>,
  outer?: TransactionClientContract
): Promise<R | Exclude<EditableImport, Ready>> {
  const editable = await editableImport(org, importId, outer)
  if (editable.kind !== 'ok') return editable
  const change = async (trx: TransactionClientContract) => {
    const job = (await OrgImports.find(org, editable.job.id, trx))!
    if (job.status === 'processing') return { kind: 'busy' as const }
    return write(job, editable.rules, trx)
  }
  // In a caller's transaction when given one (a job created with the list it brings).
  return outer ? change(outer) : db.transaction(change)
}

/** Re-marks the duplicates of every fingerprint among `rows` (old or new). */
export async function refreshDuplicatesOf(
  trx: TransactionClientContract,
  job: FileImportJob,
  rows: Array<{ duplicateKey: string | null }>
) {
  const keys = new Set(rows.map((row) => row.duplicateKey).filter((key): key is string => !!key))
  for (const key of keys) await refreshDuplicates(trx, job, key)
}

/** The job's counts from its rows, saved, and the change in the audit log. */
export async function recordRowChange(
  trx: TransactionClientContract,
  job: FileImportJob,
  change: {
    org: Organization
    actorUserId: string | null
    origin?: AuditInput['origin']
    action: string
    metadata: Record<string, unknown>
  }
) {
  await recount(trx, job)
  await job.save()
  await auditInOrg(trx, change, change.action, { type: 'import', id: job.id }, change.metadata)
}
