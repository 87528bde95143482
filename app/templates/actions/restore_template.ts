import {
  changeTemplateStatus,
  type TemplateStatusInput,
} from '#templates/actions/template_status_change'

/** Brings an archived template back as a draft. */
export default class RestoreTemplate {
  static handle(input: TemplateStatusInput) {
    return changeTemplateStatus(input, async (template) => template.restore())
  }
}
