import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import { SimpleMessagesProvider } from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import type OrgActor from '#orgs/policies/org_actor'
import OrgTemplates from '#templates/queries/org_templates'
import { ISSUANCE_KEYS } from '#templates/services/field_spec'
import OrgImports from '#imports/queries/org_imports'
import { keyLabel } from '#imports/services/column_mapping'
import generation from '#config/generation'
import type GenerationJob from '#certificates/models/generation_job'
import GenerationJobTemplate from '#certificates/models/generation_job_template'
import type { ExpiryChoice } from '#certificates/services/issuance_rows'
import { datesProblem } from '#certificates/actions/create_generation_job'
import type { generationJobFormValidator } from '#certificates/validators/generation_job'
import { formatDate, formatNumber } from '#core/services/formatting'

/** Another org's id and an unknown one answer the same 404 page. */
export function notFound() {
  return new Exception('Resource not found', { status: 404, code: 'E_ROW_NOT_FOUND' })
}

/**
 * What the generation form says when a choice is missing or malformed (the validator's own
 * messages name raw fields).
 */
export const generationFormMessages = new SimpleMessagesProvider({
  'template_ids.required': 'Choose at least one template.',
  'template_ids.array': 'Choose at least one template.',
  'template_ids.array.minLength': 'Choose at least one template.',
  'template_ids.array.maxLength': `Choose at most ${generation.maxTemplates} templates: each recipient gets one certificate per template.`,
  'import_id.required': 'Choose the recipient list to issue certificates to.',
  'issue_date.regex': 'Give the issue date as a date (YYYY-MM-DD).',
  'expiry_mode.enum': 'Choose whether and when the certificates expire.',
  'expiry_date.regex': 'Give the expiry date as a date (YYYY-MM-DD).',
  'expiry_months.number': 'Expiry in months must be a whole number from 1 to 600.',
  'expiry_months.withoutDecimals': 'Expiry in months must be a whole number from 1 to 600.',
  'expiry_months.min': 'Expiry in months must be a whole number from 1 to 600.',
  'expiry_months.max': 'Expiry in months must be a whole number from 1 to 600.',
  'start.enum': 'Choose whether to start now or later.',
  'name.maxLength': 'The name can be at most 160 characters.',
})

/** The posted form; one ticked template arrives as a plain value from clients that do not send `template_ids[]`. */
export function formData({ request }: HttpContext) {
  const data = request.all()
  if (typeof data.template_ids === 'string') data.template_ids = [data.template_ids]
  return data
}

/** The form's choices as the page shows them again (after a preflight, a refusal or a validation error). */
export interface GenerationFormValues {
  template_ids: string[]
  import_id: string
  issue_date: string
  expiry_mode: 'none' | 'date' | 'months'
  expiry_date: string
  expiry_months: string
  name: string
  start: 'now' | 'later'
}

type FormInput = Infer<typeof generationJobFormValidator>

const today = () => DateTime.utc().toISODate()!

export function valuesFromInput(input: FormInput): GenerationFormValues {
  return {
    template_ids: [...new Set(input.template_ids)],
    import_id: input.import_id,
    issue_date: input.issue_date ?? '',
    expiry_mode: input.expiry_mode ?? 'none',
    expiry_date: input.expiry_date ?? '',
    expiry_months:
      input.expiry_months === undefined || input.expiry_months === null
        ? ''
        : String(input.expiry_months),
    name: input.name ?? '',
    start: input.start ?? 'now',
  }
}

const text = (value: unknown) =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''

/**
 * Flashed input after a redirect back, else the defaults (issue today, no expiry, start now);
 * `?import_id=` preselects a list.
 */
export function valuesFromRequest({ session, request }: HttpContext): GenerationFormValues {
  const old = (key: string) => session.flashMessages.get(key)
  const flashed =
    session.flashMessages.has('import_id') || session.flashMessages.has('template_ids')
  const ids = flashed ? old('template_ids') : request.qs().template_ids
  const mode = text(old('expiry_mode'))
  return {
    template_ids: (Array.isArray(ids) ? ids : ids ? [ids] : []).map(String),
    import_id: text(flashed ? old('import_id') : request.qs().import_id),
    issue_date: flashed ? text(old('issue_date')) : today(),
    expiry_mode: mode === 'date' || mode === 'months' ? mode : 'none',
    expiry_date: text(old('expiry_date')),
    expiry_months: text(old('expiry_months')),
    name: text(old('name')),
    start: old('start') === 'later' ? 'later' : 'now',
  }
}

/**
 * The expiry the form describes, or what is wrong with the dates. The
 * action checks the same when the job is created; the preflight checks
 * them first so it never offers a job the action would then refuse.
 */
export function expiryOf(
  values: GenerationFormValues
): { expiry: ExpiryChoice } | { field: string; message: string } {
  let expiry: ExpiryChoice = { mode: 'none' }
  if (values.expiry_mode === 'date') {
    if (!values.expiry_date)
      return {
        field: 'expiry_date',
        message: 'Choose the date the certificates expire, or choose “No expiry”.',
      }
    expiry = { mode: 'date', date: values.expiry_date }
  } else if (values.expiry_mode === 'months') {
    if (!values.expiry_months)
      return {
        field: 'expiry_months',
        message: 'Say after how many months the certificates expire, or choose “No expiry”.',
      }
    expiry = { mode: 'months', months: Number(values.expiry_months) }
  }
  const problem = datesProblem(values.issue_date || today(), expiry)
  return problem ? { field: formFieldOf(problem.field), message: problem.message } : { expiry }
}

/** The action names fields as the API does; the form has its own names. */
export function formFieldOf(field: string) {
  return (
    (
      {
        issued_at: 'issue_date',
        expires_at: 'expiry_date',
        expires_in_months: 'expiry_months',
      } as Record<string, string>
    )[field] ?? field
  )
}

/** What a template needs from a recipient list, in words (the issuance fills number, link and dates). */
function templateNeeds(
  fields: Array<{ fieldKey: string; fieldType: string; isRequired: boolean }>
) {
  const issuance = new Set<string>(ISSUANCE_KEYS)
  const needs = new Set<string>(['recipient name'])
  for (const field of fields) {
    if (
      !field.isRequired ||
      issuance.has(field.fieldKey) ||
      field.fieldType === 'qrcode' ||
      field.fieldType === 'image'
    )
      continue
    needs.add(keyLabel(field.fieldKey).toLowerCase())
  }
  return [...needs]
}

/**
 * What the form offers: templates that can issue (not archived, with fields) and recipient lists
 * that are read and have recipients.
 */
export async function formChoices(org: Organization, actor: OrgActor) {
  const templatePage = await OrgTemplates.list(org, { status: 'current', perPage: 100 })
  const listPage = await OrgImports.list(org, 1, 100)
  const templates = templatePage
    .all()
    .filter((template) => (template.currentVersion?.fields.length ?? 0) > 0)
    .map((template) => ({
      id: template.id,
      name: template.name,
      status: template.status,
      needs: templateNeeds(template.currentVersion.fields),
    }))
  const lists = listPage
    .all()
    .filter((list) => list.status === 'ready' && list.validRows > 0)
    .map((list) => ({
      id: list.id,
      label: `${list.fileName ?? (list.source === 'manual' ? 'Typed-in recipients' : 'Recipient list')} — ${formatNumber(list.validRows)} ready${list.errorRows ? `, ${formatNumber(list.errorRows)} with errors` : ''} (added ${formatDate(list.createdAt)})`,
    }))
  return {
    templates,
    lists,
    canImport: actor.can('imports.manage'),
    maxTemplates: generation.maxTemplates,
  }
}

/** Template names of each job, in the job's order (one query for a page of jobs). */
export async function templateNamesOf(jobs: GenerationJob[]): Promise<Record<string, string[]>> {
  const names: Record<string, string[]> = Object.fromEntries(
    jobs.map((job) => [job.id, [] as string[]])
  )
  if (jobs.length === 0) return names
  const rows = await GenerationJobTemplate.query()
    .whereIn(
      'job_id',
      jobs.map((job) => job.id)
    )
    .where('organization_id', jobs[0].organizationId)
    .preload('template')
    .orderBy('position', 'asc')
  for (const row of rows) names[row.jobId]?.push(row.template.name)
  return names
}

/** Started and not finished: its page polls for progress. A job created to start later waits without polling. */
export function isRunning(job: GenerationJob) {
  return !job.isFinished && (job.status === 'processing' || job.startedAt !== null)
}

/** The island's numbers. */
export function progressOf(job: GenerationJob) {
  return {
    running: isRunning(job),
    waiting: Math.max(0, job.totalItems - job.completedItems - job.failedItems),
  }
}
