import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import CertificateTemplate from '#templates/models/certificate_template'
import type CertificateTemplateVersion from '#templates/models/certificate_template_version'
import { ISSUANCE_KEYS } from '#templates/services/field_spec'
import type FileImportJob from '#imports/models/file_import_job'
import OrgImports from '#imports/queries/org_imports'
import { keyLabel } from '#imports/services/column_mapping'
import generation from '#config/generation'
import { rowsOf } from '#core/services/bulk_insert'
import db from '@adonisjs/lucid/services/db'
import { measureRows } from '#certificates/services/render_threads'
import { formatNumber } from '#core/services/formatting'

/**
 * What a generation job would do, checked before anything is written: the
 * templates (through the org, not archived, each with its current version),
 * the recipient list (a ready import of the org; only rows without errors
 * are issued), and whether every recipient has the data each template
 * requires. The preflight adds what the org sees before starting: counts,
 * skipped rows and why, and names too long for their box even at the
 * smallest font size.
 */

export type PlanProblem =
  | { code: 'E_TEMPLATES_REQUIRED'; message: string; field: 'template_ids' }
  | { code: 'E_TOO_MANY_TEMPLATES'; message: string; field: 'template_ids' }
  | { code: 'E_UNKNOWN_TEMPLATE'; message: string; field: 'template_ids' }
  | { code: 'E_TEMPLATE_ARCHIVED'; message: string; field: 'template_ids' }
  | { code: 'E_TEMPLATE_HAS_NO_FIELDS'; message: string; field: 'template_ids' }
  | { code: 'E_UNKNOWN_IMPORT'; message: string; field: 'import_id' }
  | { code: 'E_IMPORT_NOT_READY'; message: string; field: 'import_id' }
  | { code: 'E_NO_RECIPIENTS'; message: string; field: 'import_id' }
  | { code: 'E_MISSING_FIELD_DATA'; message: string; field: 'import_id' }
  | { code: 'E_TOO_MANY_CERTIFICATES'; message: string; field: 'import_id' }

export interface PlannedTemplate {
  template: CertificateTemplate
  version: CertificateTemplateVersion
}

export interface GenerationPlan {
  templates: PlannedTemplate[]
  importJob: FileImportJob
  recipientCount: number
  totalItems: number
  /** Rows of the list that will not be issued, by reason. */
  skipped: { errors: number; notRecipients: number }
}

export type PlanResult =
  { kind: 'ok'; plan: GenerationPlan } | { kind: 'problem'; problem: PlanProblem }

const problem = (value: PlanProblem): PlanResult => ({ kind: 'problem', problem: value })

export async function planGeneration(
  org: Organization,
  templateIds: string[],
  importId: string
): Promise<PlanResult> {
  const ids = [...new Set(templateIds)]
  if (ids.length === 0)
    return problem({
      code: 'E_TEMPLATES_REQUIRED',
      message: 'Choose at least one template.',
      field: 'template_ids',
    })
  if (ids.length > generation.maxTemplates) {
    return problem({
      code: 'E_TOO_MANY_TEMPLATES',
      message: `A job can issue at most ${generation.maxTemplates} templates per recipient.`,
      field: 'template_ids',
    })
  }
  const found = await CertificateTemplate.query()
    .where('organization_id', org.id)
    .whereIn('id', ids.map(recordId))
    .preload('currentVersion', (version) =>
      version.preload('fields', (fields) => fields.orderBy('sort_order', 'asc'))
    )
  const templates: PlannedTemplate[] = []
  for (const id of ids) {
    const template = found.find((candidate) => candidate.id === id)
    if (!template)
      return problem({
        code: 'E_UNKNOWN_TEMPLATE',
        message: `There is no template ${id} in this organization.`,
        field: 'template_ids',
      })
    if (template.status === 'archived') {
      return problem({
        code: 'E_TEMPLATE_ARCHIVED',
        message: `"${template.name}" is archived; restore it before issuing from it.`,
        field: 'template_ids',
      })
    }
    const version = template.currentVersion
    if (!version || version.fields.length === 0) {
      return problem({
        code: 'E_TEMPLATE_HAS_NO_FIELDS',
        message: `"${template.name}" has no fields yet: place at least the recipient's name in the designer.`,
        field: 'template_ids',
      })
    }
    templates.push({ template, version })
  }

  const importJob = await OrgImports.find(org, importId)
  if (!importJob)
    return problem({
      code: 'E_UNKNOWN_IMPORT',
      message: 'There is no such recipient list in this organization.',
      field: 'import_id',
    })
  if (importJob.status !== 'ready') {
    return problem({
      code: 'E_IMPORT_NOT_READY',
      message:
        importJob.status === 'failed'
          ? 'This recipient list could not be read; fix or upload it again first.'
          : 'This recipient list is still being read; try again when it is ready.',
      field: 'import_id',
    })
  }
  const counts = await db
    .from('file_import_rows')
    .where('import_job_id', importJob.id)
    .select(
      db.raw(
        'sum(case when skipped_reason is null and error_count = 0 then 1 else 0 end) as valid'
      ),
      db.raw(
        'sum(case when skipped_reason is null and error_count > 0 then 1 else 0 end) as errors'
      ),
      db.raw('sum(case when skipped_reason is not null then 1 else 0 end) as skipped')
    )
    .first()
  const recipientCount = Number(counts?.valid ?? 0)
  if (recipientCount === 0) {
    return problem({
      code: 'E_NO_RECIPIENTS',
      message: 'This list has no recipient without errors: fix its rows first.',
      field: 'import_id',
    })
  }
  const totalItems = recipientCount * templates.length
  if (totalItems > generation.maxItems) {
    return problem({
      code: 'E_TOO_MANY_CERTIFICATES',
      message: `A job can issue at most ${formatNumber(generation.maxItems)} certificates; split the list.`,
      field: 'import_id',
    })
  }

  // Every required field of every template needs a value in every row issued.
  for (const { template, version } of templates) {
    for (const field of version.fields) {
      if (!field.isRequired || field.fieldType === 'qrcode' || field.fieldType === 'image') continue
      if ((ISSUANCE_KEYS as readonly string[]).includes(field.fieldKey)) continue
      const missing = await rowsMissing(importJob.id, field.fieldKey)
      if (missing.count > 0) {
        return problem({
          code: 'E_MISSING_FIELD_DATA',
          message: `"${template.name}" requires ${keyLabel(field.fieldKey)} (${field.fieldKey}), which ${missing.count === recipientCount ? 'no recipient has' : `${missing.count} of ${recipientCount} recipients lack (first on row ${missing.first})`}. Map a column to it or fill it in.`,
          field: 'import_id',
        })
      }
    }
  }

  return {
    kind: 'ok',
    plan: {
      templates,
      importJob,
      recipientCount,
      totalItems,
      skipped: { errors: Number(counts?.errors ?? 0), notRecipients: Number(counts?.skipped ?? 0) },
    },
  }
}

/** Valid rows with no value for a key (keys match `FIELD_KEY_PATTERN`, safe in a JSON path). */
async function rowsMissing(importJobId: string, key: string) {
  const value =
    db.connection().dialect.name === 'postgres'
      ? `data->>'${key}'`
      : `json_extract(data, '$.${key}')`
  const result = await db.rawQuery(
    `SELECT count(*) AS count, min(row_index) AS first FROM file_import_rows
     WHERE import_job_id = ? AND skipped_reason IS NULL AND error_count = 0 AND (${value} IS NULL OR trim(${value}) = '')`,
    [importJobId]
  )
  const row = rowsOf<{ count: number | string; first: number | null }>(result)[0]
  return { count: Number(row?.count ?? 0), first: row?.first ?? null }
}

export interface FitProblem {
  rowIndex: number | null
  template: string
  key: string
  value: string
  overflow: boolean
  missing: string[]
}

/**
 * Values that do not fit their field even at the minimum font size, or that
 * hold characters no bundled font draws: measured in a rendering thread
 * over the distinct values of the list.
 */
export async function fitProblems(
  plan: GenerationPlan,
  limit = 50
): Promise<{ total: number; problems: FitProblem[] }> {
  const rows = await db
    .from('file_import_rows')
    .where('import_job_id', plan.importJob.id)
    .whereNull('skipped_reason')
    .where('error_count', 0)
    .orderBy('row_index', 'asc')
    .select('row_index', 'data')
  const parsed = rows.map((row) => ({
    position: Number(row.row_index),
    row: typeof row.data === 'string' ? JSON.parse(row.data) : row.data,
  }))
  const problems: FitProblem[] = []
  let total = 0
  for (const { template, version } of plan.templates) {
    const fields = version.fields
      .map((field) => field.toSpec())
      .filter((field) => field.type === 'text' || field.type === 'date')
    const issuance = new Set<string>(ISSUANCE_KEYS)
    const measured = fields.filter((field) => !issuance.has(field.key))
    if (measured.length === 0) continue
    const found = await measureRows(measured, parsed)
    total += found.length
    for (const item of found.slice(0, Math.max(0, limit - problems.length))) {
      const source = parsed.find((row) => row.position === item.position)
      problems.push({
        rowIndex: item.position,
        template: template.name,
        key: item.key,
        value: String(source?.row[item.key] ?? ''),
        overflow: item.overflow,
        missing: item.missing,
      })
    }
  }
  return { total, problems }
}
