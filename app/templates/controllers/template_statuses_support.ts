import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { originOf } from '#core/http/origin'
import ChangeTemplateStatus from '#templates/actions/change_template_status'
import { notFound } from '#core/http/not_found'

const DONE: Record<'active' | 'archived' | 'draft', (name: string, from: string) => string> = {
  active: (name) => `“${name}” is active: it can be used to issue certificates.`,
  archived: (name) => `“${name}” is archived. Certificates already issued from it stay valid.`,
  draft: (name, from) =>
    from === 'archived' ? `“${name}” is restored as a draft.` : `“${name}” is back in draft.`,
}

/** Activation and archiving share one flow: change the status, say what happened, back to the template. */
export async function changeStatus(ctx: HttpContext, to: 'active' | 'archived' | 'draft') {
  const { org, actor, bouncer, params, response, session } = ctx
  await bouncer.authorize('allows', 'templates.manage')
  const result = await ChangeTemplateStatus.handle({
    org,
    templateId: params.id,
    to,
    actorUserId: actor.user.id,
    origin: originOf(ctx),
  })
  switch (result.kind) {
    case 'changed':
      session.flash('success', DONE[to](result.template.name, result.from))
      break
    case 'unchanged':
      session.flash('success', 'Nothing to change.')
      break
    case 'no_fields':
      session.flash(
        'error',
        'Place at least one field before activating this template: it would issue blank certificates.'
      )
      break
    case 'archived':
      session.flash('error', 'Restore this template before activating it.')
      break
    case 'not_found':
      throw notFound()
    default:
      return unhandled(result)
  }
  return response.redirect().toRoute('templates.templates.show', { id: params.id })
}
