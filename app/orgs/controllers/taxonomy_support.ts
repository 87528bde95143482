import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { Exception } from '@adonisjs/core/exceptions'
import type { errors } from '@vinejs/vine'
import UpdateTaxonomyEntry, {
  type UpdateTaxonomyEntryResult,
} from '#orgs/actions/update_taxonomy_entry'
import { taxonomyEntryUpdateValidator } from '#orgs/validators/taxonomy'
import { originOf } from '#core/http/origin'

/** The same 404 as an unknown record: another org's taxonomy ids do not exist for this one. */
export function notFound() {
  return new Exception('Resource not found', { status: 404, code: 'E_ROW_NOT_FOUND' })
}

export function firstMessage(error: InstanceType<typeof errors.E_VALIDATION_ERROR>) {
  const messages = error.messages as Array<{ message: string }>
  return messages[0]?.message ?? 'Check the form and try again.'
}

/**
 * Rename/hide/show forms repeat on every row of the taxonomy page, so their
 * outcome goes to the flash rather than to a field shared by all rows. A
 * missing entry is a 404 even when the form was also invalid.
 */
export function flashUpdateResult(
  { session }: HttpContext,
  result: UpdateTaxonomyEntryResult,
  noun: 'category' | 'subcategory',
  error: InstanceType<typeof errors.E_VALIDATION_ERROR> | null
) {
  if (result.kind === 'not_found') throw notFound()
  if (error) return session.flash('error', firstMessage(error))
  switch (result.kind) {
    case 'updated': {
      const name = result.entry.name
      const verb = result.changes.includes('hidden')
        ? 'hidden'
        : result.changes.includes('shown')
          ? 'shown again'
          : 'renamed'
      return session.flash(
        'success',
        `${noun === 'category' ? 'Category' : 'Subcategory'} “${name}” ${verb}.`
      )
    }
    case 'unchanged':
      return session.flash('success', 'Nothing to change.')
    case 'duplicate':
      return session.flash('error', `Another ${noun} here already has that name.`)
    default:
      return unhandled(result)
  }
}

/** Rename, hide or show one entry; a global entry changes only for this org. */
export async function updateTaxonomyEntry(
  ctx: HttpContext,
  entityType: 'category' | 'subcategory'
) {
  const { org, actor, bouncer, params, request, response } = ctx
  await bouncer.authorize('allows', 'org.manage')
  const [error, input] = await taxonomyEntryUpdateValidator.tryValidate(
    request.only(['name', 'hidden'])
  )
  const result = await UpdateTaxonomyEntry.handle({
    org,
    entityType,
    id: params.id,
    name: input?.name,
    hidden: input?.hidden,
    actorUserId: actor.user.id,
    origin: originOf(ctx),
  })
  flashUpdateResult(ctx, result, entityType, error)
  return response.redirect().toRoute('orgs.taxonomy.index')
}
