import {
  changeTemplateStatus,
  type TemplateStatusInput,
} from '#templates/actions/template_status_change'

/** Puts an active template back in draft: it can no longer issue certificates. */
export default class DeactivateTemplate {
  static handle(input: TemplateStatusInput) {
    return changeTemplateStatus(input, async (template) => template.deactivate())
  }
}
