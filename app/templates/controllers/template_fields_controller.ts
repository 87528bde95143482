import type { HttpContext } from '@adonisjs/core/http'
import { errors } from '@vinejs/vine'
import { originOf } from '#core/http/origin'
import SaveTemplateFields from '#templates/actions/save_template_fields'
import type { FieldProblem } from '#templates/services/field_rules'
import { templateFieldsValidator } from '#templates/validators/template_fields'
import { notFound } from '#core/http/not_found'
import { redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'
import OrgTemplates from '#templates/queries/org_templates'

/**
 * The designer's save: the fields arrive as one JSON document (`fields_json`)
 * with the version the designer started from. A refused save reopens the
 * designer with the unsaved fields and every problem listed.
 */
export default class TemplateFieldsController {
  async update(ctx: HttpContext) {
    const { org, actor, bouncer, params, request, response, session } = ctx
    await bouncer.authorize('allows', 'templates.manage')
    if (!(await OrgTemplates.find(org, params.id))) throw notFound()
    const raw = String(request.input('fields_json') ?? '')
    const back = (problems: Array<Pick<FieldProblem, 'field' | 'message'>>, summary: string) => {
      session.flash('error', summary)
      session.flash('designer_problems', problems)
      if (raw.length < 200_000) session.flash('designer_fields', raw)
      return response.redirect().toRoute('templates.templates.edit', { id: params.id })
    }

    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      return back(
        [],
        'The designer sent fields that could not be read. Reload the page and try again.'
      )
    }
    const [error, input] = await templateFieldsValidator.tryValidate({
      fields: Array.isArray(parsed) ? parsed : [],
      base_version: Number(request.input('base_version')) || undefined,
      remove_all_fields: request.input('remove_all_fields') || undefined,
    })
    if (error) {
      const problems = (error as InstanceType<typeof errors.E_VALIDATION_ERROR>).messages.map(
        (m: any) => ({ field: m.field, message: describeFieldPath(m.field, m.message) })
      )
      return back(problems, 'Some fields need attention before they can be saved.')
    }

    const result = await SaveTemplateFields.handle({
      org,
      templateId: params.id,
      fields: input.fields,
      baseVersion: input.base_version,
      removeAllFields: input.remove_all_fields,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    return handle(result, {
      saved: ({ template, version }) =>
        redirectWith(ctx, 'success', `Saved as version ${version.versionNumber}.`).toRoute(
          'templates.templates.edit',
          { id: template.id }
        ),
      invalid: ({ problems }) =>
        back(problems, 'Some fields need attention before they can be saved.'),
      stale: ({ currentVersion }) =>
        back(
          [],
          `Someone saved version ${currentVersion} while you were editing. Your changes were not saved; reload to see theirs.`
        ),
      // The designer reopens on the saved fields, not the empty list: an empty save is as likely
      // a designer that never loaded them as a wish to remove them all.
      removes_all_fields: ({ currentVersion, currentFields }) =>
        redirectWith(
          ctx,
          'error',
          `Nothing was saved: version ${currentVersion} has ${currentFields} field${currentFields === 1 ? '' : 's'} and this save had none. To save a version without fields, tick “Remove every field” beside the save button.`
        ).toRoute('templates.templates.edit', { id: params.id }),
      archived: () =>
        redirectWith(
          ctx,
          'error',
          'This template is archived. Restore it before changing its fields.'
        ).toRoute('templates.templates.show', { id: params.id }),
      not_found: () => {
        throw notFound()
      },
    })
  }
}

/** "fields.2.font_size" + "The font_size field must…" → "Field 3: …". */
export function describeFieldPath(path: string, message: string) {
  const match = /^fields\.(\d+)\.(.+)$/.exec(path)
  if (!match) return message
  return `Field ${Number(match[1]) + 1}: ${message.replace(/^The \S+ field/, `the ${match[2].replace(/_/g, ' ')}`)}`
}
