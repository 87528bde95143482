import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import CertificateTemplate from '#templates/models/certificate_template'
import type CertificateTemplateVersion from '#templates/models/certificate_template_version'
import { ISSUANCE_KEYS } from '#templates/services/field_spec'
import type FileImportJob from '#imports/models/file_import_job'
import OrgImports from '#imports/queries/org_imports'
import { keyLabel } from '#imports/services/column_mapping'
import generation from '#config/generation'
import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract, TransactionClientContract } from '@adonisjs/lucid/types/database'
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

/** `trx`: the transaction that creates the job (and maybe the list it reads). */
export async function planGeneration(
  org: Organization,
  templateIds: string[],
  importId: string,
  trx?: TransactionClientContract
): Promise<PlanResult> {
  const client: QueryClientContract = trx ?? db.connection()
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
  const found = await CertificateTemplate.query({ client })
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

  const importJob = await OrgImports.find(org, importId, trx)
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
  const counts = await client
    .from('file_import_rows')
    .where('import_job_id', importJob.id)
    .select(
      client.raw(
        'sum(case when skipped_reason is null and error_count = 0 then 1 else 0 end) as valid'
      ),
      client.raw(
        'sum(case when skipped_reason is null and error_count > 0 then 1 else 0 end) as errors'
      ),
      client.raw('sum(case when skipped_reason is not null then 1 else 0 end) as skipped')
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
      const missing = await rowsMissing(client, importJob.id, field.fieldKey)
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

/** Valid rows with no value for a key. */
async function rowsMissing(client: QueryClientContract, importJobId: string, key: string) {
  const row = await client
    .from('file_import_rows')
    .where('import_job_id', importJobId)
    .whereNull('skipped_reason')
    .where('error_count', 0)
    .whereRaw(`trim(${valueSql(client, key)}) = ''`)
    .count('* as count')
    .min('row_index as first')
    .first()
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
 * hold characters no bundled font draws, in row order (at most `limit`,
 * with the total). Aggregated in SQL: each field's distinct values (with
 * how many rows hold each) are measured in a rendering thread, then only
 * the first rows holding a bad value are read; the list's rows are never
 * all loaded on the web process.
 */
export async function fitProblems(
  plan: GenerationPlan,
  limit = 50
): Promise<{ total: number; problems: FitProblem[] }> {
  const client = db.connection()
  const problems: FitProblem[] = []
  let total = 0
  const issuance = new Set<string>(ISSUANCE_KEYS)
  for (const { template, version } of plan.templates) {
    const measured = version.fields
      .map((field) => field.toSpec())
      .filter(
        (field) => (field.type === 'text' || field.type === 'date') && !issuance.has(field.key)
      )
    // Per field, the values that do not fit and what is wrong with each.
    const bad = new Map<string, Map<string, { overflow: boolean; missing: string[] }>>()
    for (const field of measured) {
      const values = await distinctValues(client, plan.importJob.id, field.key)
      const found = await measureRows(
        [field],
        values.map((value, position) => ({ position, row: { [field.key]: value.value } }))
      )
      const byValue = new Map<string, { overflow: boolean; missing: string[] }>()
      for (const item of found) {
        const { value, rows } = values[item.position]
        byValue.set(value, { overflow: item.overflow, missing: item.missing })
        total += rows
      }
      if (byValue.size) bad.set(field.key, byValue)
    }
    const room = limit - problems.length
    if (bad.size === 0 || room <= 0) continue
    // Each row listed has at least one problem, so the first `room` rows holding a bad value are enough.
    const rows = await firstRowsHolding(client, plan.importJob.id, bad, room)
    for (const row of rows) {
      for (const field of measured) {
        const value = String(row.data[field.key] ?? '')
        const wrong = bad.get(field.key)?.get(value)
        if (!wrong || problems.length >= limit) continue
        problems.push({
          rowIndex: row.rowIndex,
          template: template.name,
          key: field.key,
          value,
          ...wrong,
        })
      }
    }
  }
  return { total, problems }
}

/**
 * A field's value as SQL text ('' when absent). Raw because reading inside a
 * JSON column is each engine's own syntax; keys match `FIELD_KEY_PATTERN`,
 * safe in a JSON path. The one place certificates reads row data in SQL.
 */
function valueSql(client: QueryClientContract, key: string) {
  return client.dialect.name === 'postgres'
    ? `coalesce(data->>'${key}', '')`
    : `coalesce(cast(json_extract(data, '$.${key}') as text), '')`
}

/** The distinct values of a key among the rows issued, with how many rows hold each. */
async function distinctValues(client: QueryClientContract, importJobId: string, key: string) {
  const value = valueSql(client, key)
  const rows = await client
    .from('file_import_rows')
    .where('import_job_id', importJobId)
    .whereNull('skipped_reason')
    .where('error_count', 0)
    .groupByRaw(value)
    .select(client.raw(`${value} as value`), client.raw('count(*) as n'))
  return rows.map((row) => ({ value: String(row.value), rows: Number(row.n) }))
}

/** The first rows issued (in file order) holding any of the bad values, read a few hundred values at a time. */
async function firstRowsHolding(
  client: QueryClientContract,
  importJobId: string,
  bad: Map<string, Map<string, unknown>>,
  limit: number
) {
  const found = new Map<number, Record<string, string>>()
  for (const [key, values] of bad) {
    const list = [...values.keys()]
    for (let at = 0; at < list.length; at += 500) {
      const rows = await client
        .from('file_import_rows')
        .where('import_job_id', importJobId)
        .whereNull('skipped_reason')
        .where('error_count', 0)
        .whereIn(client.raw(valueSql(client, key)), list.slice(at, at + 500))
        .orderBy('row_index', 'asc')
        .limit(limit)
        .select('row_index', 'data')
      for (const row of rows)
        found.set(
          Number(row.row_index),
          typeof row.data === 'string' ? JSON.parse(row.data) : row.data
        )
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => a - b)
    .slice(0, limit)
    .map(([rowIndex, data]) => ({ rowIndex, data }))
}
