import { notFound } from '#core/http/not_found'
import type { Notice } from '#core/http/forms'
import { unhandled } from '#core/services/exhaustive'
import type { TemplateStatusResult } from '#templates/actions/template_status_change'

/** What the template's page says after activating, deactivating, archiving or restoring it. */
export function templateStatusNotice(result: TemplateStatusResult): Notice {
  switch (result.kind) {
    case 'changed': {
      const { name, status } = result.template
      const message =
        status === 'active'
          ? `“${name}” is active: it can be used to issue certificates.`
          : status === 'archived'
            ? `“${name}” is archived. Certificates already issued from it stay valid.`
            : result.from === 'archived'
              ? `“${name}” is restored as a draft.`
              : `“${name}” is back in draft.`
      return { level: 'success', message }
    }
    case 'unchanged':
      return { level: 'success', message: 'Nothing to change.' }
    case 'no_fields':
      return {
        level: 'error',
        message:
          'Place at least one field before activating this template: it would issue blank certificates.',
      }
    case 'archived':
      return { level: 'error', message: 'Restore this template before activating it.' }
    case 'not_found':
      throw notFound()
    default:
      return unhandled(result)
  }
}
