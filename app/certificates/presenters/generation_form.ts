import type { HttpContext } from '@adonisjs/core/http'
import type { Infer } from '@vinejs/vine/types'
import { DateTime } from 'luxon'
import type Organization from '#orgs/models/organization'
import type OrgActor from '#orgs/policies/org_actor'
import OrgTemplates from '#templates/queries/org_templates'
import OrgImports from '#imports/queries/org_imports'
import { templateNeeds } from '#imports/presenters/template_needs'
import generation from '#config/generation'
import type { ExpiryChoice } from '#certificates/services/issuance_rows'
import { datesProblem } from '#certificates/actions/create_generation_job'
import type { generationJobFormValidator } from '#certificates/validators/generation_job'
import { formatDate, formatNumber } from '#core/services/formatting'

/**
 * The generation form (`pages/certificates/generation_jobs/create`), which
 * its preflight renders again: the choices as posted and as shown, their
 * expiry, and what the form offers.
 */

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
