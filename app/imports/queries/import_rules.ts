import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import CertificateTemplate from '#templates/models/certificate_template'
import { ISSUANCE_KEYS, isStandardKey } from '#templates/services/field_spec'
import { IMPORT_KEYS } from '#imports/services/column_mapping'
import type { ImportRules } from '#imports/services/import_processing'
import type FileImportJob from '#imports/models/file_import_job'
import OrgImports from '#imports/queries/org_imports'

export type TemplatesProblem = { kind: 'unknown_templates'; ids: string[] }

/**
 * What an import must provide for the templates it is meant for: the keys
 * their current versions require (the name always), their date keys and
 * their own custom keys. Keys issuance fills (number, verification link,
 * issue and expiry dates) are never required from a list. Templates are
 * loaded through the org; another org's or an archived one is refused.
 */
export async function importRulesFor(
  org: Organization,
  templateIds: string[],
  client?: QueryClientContract
): Promise<{ kind: 'ok'; rules: ImportRules; templateIds: string[] } | TemplatesProblem> {
  const ids = [...new Set(templateIds)]
  const templates = ids.length
    ? await CertificateTemplate.query({ client })
        .where('organization_id', org.id)
        .whereIn('id', ids.map(recordId))
        .whereNot('status', 'archived')
        .preload('currentVersion', (version) => version.preload('fields'))
    : []
  const unknown = ids.filter((id) => !templates.some((template) => template.id === id))
  if (unknown.length) return { kind: 'unknown_templates', ids: unknown }

  const required = new Set<string>(['recipient_name'])
  const dateKeys = new Set<string>()
  const customKeys = new Set<string>()
  const issuance = new Set<string>(ISSUANCE_KEYS)
  for (const template of templates) {
    for (const field of template.currentVersion?.fields ?? []) {
      const key = field.fieldKey
      if (issuance.has(key) || field.fieldType === 'qrcode' || field.fieldType === 'image') continue
      if (field.isRequired) required.add(key)
      if (field.fieldType === 'date') dateKeys.add(key)
      if (!isStandardKey(key) && !Object.hasOwn(IMPORT_KEYS, key)) customKeys.add(key)
    }
  }
  return {
    kind: 'ok',
    templateIds: templates.map((template) => template.id),
    rules: {
      requiredKeys: [...required],
      dateKeys: [...dateKeys],
      customKeys: [...customKeys],
      phoneCountry: org.phoneDefaultCountry ?? 'IN',
      dateOrder: org.dateOrder ?? 'dmy',
    },
  }
}

export type EditableImport =
  | { kind: 'ok'; job: FileImportJob; rules: ImportRules }
  | { kind: 'not_found' }
  | { kind: 'busy' }
  | { kind: 'templates_gone' }

/** An import whose rows may change now: found through the org, not being read, its templates still there. */
export async function editableImport(
  org: Organization,
  importId: unknown,
  client?: TransactionClientContract
): Promise<EditableImport> {
  const job = await OrgImports.find(org, importId, client)
  if (!job) return { kind: 'not_found' }
  if (job.status === 'processing' || job.status === 'uploaded') return { kind: 'busy' }
  const rules = await importRulesFor(org, job.templateIds, client)
  if (rules.kind !== 'ok') return { kind: 'templates_gone' }
  return { kind: 'ok', job, rules: rules.rules }
}
