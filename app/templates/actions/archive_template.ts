import {
  changeTemplateStatus,
  type TemplateStatusInput,
} from '#templates/actions/template_status_change'

/** Hides and freezes a template; certificates already issued from it stay valid. */
export default class ArchiveTemplate {
  static handle(input: TemplateStatusInput) {
    return changeTemplateStatus(input, async (template) => template.archive())
  }
}
