import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { AuditInput } from '#core/actions/record_audit'
import { emptyRecord } from '#core/services/own_keys'
import type Organization from '#orgs/models/organization'
import {
  type TaxonomyChoice,
  type TaxonomyProblem,
  resolveTaxonomy,
} from '#templates/queries/template_taxonomy'
import FileImportJob from '#imports/models/file_import_job'
import { type TemplatesProblem, importRulesFor } from '#imports/queries/import_rules'
import { IMPORT_KEYS, keyLabel } from '#imports/services/column_mapping'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface CreateManualImportInput {
  org: Organization
  name?: string | null
  templateIds?: string[]
  taxonomy?: TaxonomyChoice
  actorUserId: string | null
  origin?: AuditInput['origin']
  via?: 'web' | 'api'
}

export type CreateManualImportResult =
  { kind: 'created'; job: FileImportJob } | TemplatesProblem | TaxonomyProblem

/** The columns of a list typed by hand: our keys' names, then the templates' own keys. */
export function manualColumns(customKeys: string[]) {
  // No prototype: API callers check `key in columns` with keys they chose (`toString`).
  const columns = Object.assign(emptyRecord<string>(), IMPORT_KEYS)
  for (const key of customKeys) columns[key] = keyLabel(key)
  return columns
}

/**
 * A recipient list typed or pasted in the browser: an import like any
 * other (same checks, same rows), without a file. Its columns are our keys'
 * names, mapped one to one. Inside a caller's transaction when given one
 * (a job created with its recipients), else in its own.
 */
export default class CreateManualImport {
  static async handle(
    input: CreateManualImportInput,
    outer?: TransactionClientContract
  ): Promise<CreateManualImportResult> {
    const rules = await importRulesFor(input.org, input.templateIds ?? [], outer)
    if (rules.kind !== 'ok') return rules
    const taxonomy = await resolveTaxonomy(input.org, input.taxonomy ?? {})
    if (taxonomy.kind !== 'ok') return taxonomy
    const labels = manualColumns(rules.rules.customKeys)
    const write = async (trx: TransactionClientContract) => {
      const job = await FileImportJob.create(
        {
          organizationId: input.org.id,
          categoryId: taxonomy.categoryId,
          subcategoryId: taxonomy.subcategoryId,
          status: 'ready',
          source: 'manual',
          originalFileId: null,
          fileName: input.name?.trim() || null,
          format: 'manual',
          columns: Object.values(labels),
          mapping: Object.fromEntries(Object.entries(labels)),
          templateIds: rules.templateIds,
          summary: {
            required_keys: rules.rules.requiredKeys,
            date_keys: rules.rules.dateKeys,
            custom_keys: rules.rules.customKeys,
            codes: {},
          },
          createdBy: input.actorUserId,
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'import.created',
        { type: 'import', id: job.id },
        { source: 'manual', via: input.via ?? 'web' }
      )
      return { kind: 'created' as const, job }
    }
    return outer ? write(outer) : db.transaction(write)
  }
}
